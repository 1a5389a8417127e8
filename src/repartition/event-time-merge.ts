import type { PartitionStart } from '../kafka/start';

/** A fetched message of an input partition, waiting to be re-keyed. */
export interface Timed<T> {
  /** Event time (ms); -Infinity for a message without one (the job rejects it, so its place does not matter). */
  readonly time: number;
  readonly offset: bigint;
  readonly item: T;
}

/** What is due across the partitions: the items in event-time order, and the offset each advanced partition may commit. */
export interface Due<T> {
  readonly items: readonly T[];
  readonly offsets: readonly { readonly partition: number; readonly offset: bigint }[];
  /** How many queued messages of each partition the items take (a prefix of its queue). */
  readonly taken: ReadonlyMap<number, number>;
}

interface PartitionQueue<T> {
  /** Fetched and not yet taken, in offset order. */
  readonly pending: Timed<T>[];
  /** The offset after everything fetched, past any control records (transaction markers) after the last message. */
  fetchedTo: bigint;
  /** The offset after what was taken (at first, the committed one): committed with it. */
  takenTo: bigint;
  /** The highest event time fetched so far: the partition has delivered everything up to about here. */
  latest: number;
  /** The last fetch reached the partition's high watermark: nothing more is there to wait for. */
  caughtUp: boolean;
}

/**
 * The messages of several input partitions, released in event-time order. Re-keying sends the
 * events of every input partition into each partition of the repartition topic, and the job's
 * watermark there is the newest event time seen minus the lateness: were a fetch of one partition
 * (up to 1 MiB, minutes of event time in a backfill) sent before the next partition's, the next
 * one's events would all be late. So, like Kafka Streams' PartitionGroup (which processes the head
 * record with the lowest timestamp among a task's partitions), nothing is released past the
 * event time every partition has reached, unless that partition has nothing more to read. A
 * partition's events then come out at most its own disorder behind those released before them.
 *
 * What is released is a prefix of each partition's queue, so the offset committed with it is where
 * a replay resumes without sending anything twice. `due` only looks; `take` removes what a
 * committed transaction sent, so an aborted one leaves everything to send again.
 */
export class EventTimeMerge<T> {
  private readonly queues = new Map<number, PartitionQueue<T>>();

  /** The assigned partitions where the group's committed offsets put them; one at its high watermark has nothing to wait for. */
  constructor(starts: readonly PartitionStart[]) {
    for (const { partition, start, end } of starts) {
      this.queues.set(partition, { pending: [], fetchedTo: start, takenTo: start, latest: -Infinity, caughtUp: start >= end });
    }
  }

  /** A fetched batch of `partition` (possibly only control records), read through `fetchedTo`. */
  add(partition: number, messages: readonly Timed<T>[], fetchedTo: bigint, caughtUp: boolean): void {
    const queue = this.queues.get(partition)!;
    for (const message of messages) {
      queue.pending.push(message);
      if (message.time > queue.latest) queue.latest = message.time;
    }
    if (fetchedTo > queue.fetchedTo) queue.fetchedTo = fetchedTo;
    queue.caughtUp = caughtUp;
  }

  /** Messages fetched and not yet taken. */
  queued(partition: number): number {
    return this.queues.get(partition)!.pending.length;
  }

  due(): Due<T> {
    let through = Infinity;
    for (const queue of this.queues.values()) if (!queue.caughtUp && queue.latest < through) through = queue.latest;
    const timed: Timed<T>[] = [];
    const offsets: { partition: number; offset: bigint }[] = [];
    const taken = new Map<number, number>();
    for (const [partition, { pending, fetchedTo, takenTo }] of this.queues) {
      let count = 0;
      while (count < pending.length && pending[count].time <= through) timed.push(pending[count++]);
      const offset = count === pending.length ? fetchedTo : pending[count].offset;
      if (offset > takenTo) offsets.push({ partition, offset });
      if (count > 0) taken.set(partition, count);
    }
    // Array.prototype.sort is stable: a partition's events of one time keep their order. (No subtraction: -Infinity - -Infinity is NaN.)
    timed.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    return { items: timed.map((message) => message.item), offsets, taken };
  }

  /** What `due` returned has been sent and its offsets committed. */
  take(due: Due<T>): void {
    for (const [partition, count] of due.taken) this.queues.get(partition)!.pending.splice(0, count);
    for (const { partition, offset } of due.offsets) this.queues.get(partition)!.takenTo = offset;
  }
}
