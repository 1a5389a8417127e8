import type { Assignment } from '../sources/source';

/**
 * The input partitions this instance owns under its current assignment, with what the sink held of
 * each when it got them: its windows through `delivered` are durable, so their replayed events are
 * skipped. The window clock knows the owned partitions by their place among them: its watermark waits
 * for owned partitions only.
 */
export class OwnedPartitions {
  /** Every window ending at or before this is durable for every owned partition (-Infinity when none is owned). */
  readonly restoredThrough: number;
  private readonly delivered: number[];
  private readonly clockIndex: number[];

  constructor(
    readonly assignment: Assignment,
    delivered: ReadonlyMap<number, number>,
    /** Events are checked against the partition Kafka's default partitioner gives their client_id. */
    readonly checksPlacement: boolean,
  ) {
    const { owned, partitionCount } = assignment;
    this.delivered = Array.from({ length: partitionCount }, () => -Infinity);
    this.clockIndex = Array.from({ length: partitionCount }, () => -1);
    owned.forEach((partition, index) => {
      this.clockIndex[partition] = index;
      this.delivered[partition] = delivered.get(partition) ?? -Infinity;
    });
    this.restoredThrough = owned.length === 0 ? -Infinity : Math.min(...owned.map((partition) => this.delivered[partition]));
  }

  get generation(): number {
    return this.assignment.generation;
  }

  /** Whether this instance reads the whole input: no other instance holds a partition back. */
  get ownsEveryPartition(): boolean {
    return this.assignment.owned.length === this.assignment.partitionCount;
  }

  /** Owned partitions: what the window clock's watermark is the minimum over. */
  get count(): number {
    return this.assignment.owned.length;
  }

  /** The partition's place among the owned ones, as the window clock numbers it. */
  clockPartitionOf(partition: number): number {
    return this.clockIndex[partition];
  }

  /** Whether an event of `partition` whose last window ends at `lastWindowEnd` counts only in windows durable before this assignment. */
  isReplayed(partition: number, lastWindowEnd: number): boolean {
    return lastWindowEnd <= this.delivered[partition];
  }
}
