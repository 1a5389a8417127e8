import type { Batch } from 'kafkajs';
import { indexOfOffset, sourceBatchOf } from './batch';
import type { PartitionStart } from '../../kafka/start';
import type { SourceBatch } from '../source';

const NOTHING_YET = -1n;

/**
 * How far each partition of the topic has been read: what is handed to the pipeline, the lag, and
 * with --stop-at-end whether every partition reached the end offset it had at the start.
 */
export class PartitionProgress {
  /** Next offset to read: where the group starts, then past every batch taken. */
  private readonly next: bigint[];
  /**
   * Next offset after what this process handed over since the partition was assigned: a fetch may
   * return messages from before the offset asked for (a whole record batch), and those are skipped.
   */
  private readonly handedOver: bigint[];
  private readonly high: bigint[];
  /** With --stop-at-end, the high watermarks of the start; null when the source is endless. */
  private readonly ends: bigint[] | null;
  /** When the high watermarks were last asked of the brokers (wall ms), or -Infinity when that failed. */
  private highsAskedAt = -Infinity;

  constructor(
    private readonly topic: string,
    starts: readonly PartitionStart[],
    stopAtEnd: boolean,
  ) {
    this.next = starts.map((p) => p.start);
    this.handedOver = starts.map(() => NOTHING_YET);
    this.high = starts.map((p) => p.end);
    this.ends = stopAtEnd ? starts.map((p) => p.end) : null;
  }

  get partitionCount(): number {
    return this.next.length;
  }

  /** The part of a fetched batch not handed over yet and before the end; null when nothing is left. */
  take(batch: Batch, generation: number): SourceBatch | null {
    const { partition, messages } = batch;
    this.admit(partition);
    this.high[partition] = BigInt(batch.highWatermark);
    const from = indexOfOffset(messages, this.handedOver[partition]);
    const to = this.ends === null ? messages.length : indexOfOffset(messages, this.ends[partition]);
    // lastOffset() counts trailing control records (transaction markers), which are never delivered.
    const through = to < messages.length ? this.ends![partition] : BigInt(batch.lastOffset()) + 1n;
    this.skipTo(partition, through);
    if (from >= to) return null;
    return sourceBatchOf(this.topic, partition, from === 0 && to === messages.length ? messages : messages.slice(from, to), through, generation);
  }

  /** Offsets kafkajs read past without a batch for us (only control records or aborted messages). */
  skipTo(partition: number, nextOffset: bigint): void {
    this.admit(partition);
    if (nextOffset > this.next[partition]) this.next[partition] = nextOffset;
    if (nextOffset > this.handedOver[partition]) this.handedOver[partition] = nextOffset;
  }

  /** A partition added to the topic after the start: read in full, but it has nothing before the end of the start. */
  private admit(partition: number): void {
    for (let p = this.next.length; p <= partition; p++) {
      this.next.push(0n);
      this.handedOver.push(NOTHING_YET);
      this.high.push(0n);
      this.ends?.push(0n);
    }
  }

  /**
   * Where the group reads a newly assigned partition from (its committed offset), as far as it is not
   * known yet: nothing before it is skipped, since the consumer delivers from its own start.
   */
  noteStart(partition: number, start: bigint): void {
    this.admit(partition);
    if (this.next[partition] === NOTHING_YET) this.next[partition] = start;
  }

  /**
   * The high watermarks the brokers gave to a request sent at wall time `askedAt`: a partition's lag is
   * known even while it fetches nothing.
   */
  highsRead(highs: readonly { partition: number; high: bigint }[], askedAt: number): void {
    for (const { partition, high } of highs) {
      this.admit(partition);
      if (high > this.high[partition]) this.high[partition] = high;
    }
    this.highsAskedAt = askedAt;
  }

  /** The brokers could not be asked: no partition counts as caught up until they answer again. */
  highsUnknown(): void {
    this.highsAskedAt = -Infinity;
  }

  /**
   * Whether everything the partition held when the brokers were last asked, no longer than `freshMs`
   * before `now`, has been handed over (or, with --stop-at-end, it is at its end): it has nothing to
   * deliver that it was not asked to fetch. A partition whose start is unknown is not caught up.
   */
  isCaughtUp(partition: number, now: number, freshMs: number): boolean {
    if (this.isAtEnd(partition)) return true;
    if (now - this.highsAskedAt > freshMs) return false;
    const next = this.next[partition];
    return next !== undefined && next !== NOTHING_YET && this.high[partition] <= next;
  }

  /**
   * A new assignment: the instance dropped its windows and reads these partitions again
   * from the committed offsets, so nothing is skipped, and where each stands is unknown until the first
   * batch or `skipTo` the committed offset (until then none is at its end).
   */
  restart(partitions: readonly number[]): void {
    for (const partition of partitions) {
      this.admit(partition);
      this.next[partition] = NOTHING_YET;
      this.handedOver[partition] = NOTHING_YET;
    }
  }

  /** With --stop-at-end, whether every one of these partitions is at its end. */
  areAtEnd(partitions: readonly number[]): boolean {
    return partitions.every((partition) => this.isAtEnd(partition));
  }

  /** The end offsets of the start, with --stop-at-end. */
  endOffsets(): readonly bigint[] | null {
    return this.ends;
  }

  isAtEnd(partition: number): boolean {
    return this.ends !== null && this.next[partition] >= this.ends[partition];
  }

  areAllAtEnd(): boolean {
    return this.next.every((_, partition) => this.isAtEnd(partition));
  }

  /** Messages behind the partitions' high watermarks. */
  lag(): number {
    let lag = 0n;
    for (let p = 0; p < this.next.length; p++) if (this.high[p] > this.next[p]) lag += this.high[p] - this.next[p];
    return Number(lag);
  }

  /** Messages behind the high watermark of one partition (below `partitionCount`). */
  lagOf(partition: number): number {
    const behind = this.high[partition] - this.next[partition];
    return behind > 0n ? Number(behind) : 0;
  }
}
