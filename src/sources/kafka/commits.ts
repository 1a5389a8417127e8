export interface PartitionOffset {
  readonly partition: number;
  readonly offset: string;
}

/**
 * Commits the offsets the pipeline released (only for events whose every window is
 * durable), coalesced: releases within `intervalMs` of the first share one OffsetCommit request,
 * and `flush` commits what is left at close. Commits are sent one at a time, so a later commit is
 * never overtaken by an earlier one. Only partitions assigned to this member are committed: after a
 * rebalance, a revoked partition's new owner commits it, and ours could move its offset backwards.
 */
export class OffsetCommits {
  private readonly released = new Map<number, bigint>();
  private readonly committed = new Map<number, bigint>();
  private assigned: ReadonlySet<number> = new Set();
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly commit: (offsets: PartitionOffset[]) => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  /** Every message of the partition before `nextOffset` counts only in durable windows. */
  release(partition: number, nextOffset: bigint): void {
    if (!this.assigned.has(partition)) return;
    if (nextOffset <= (this.released.get(partition) ?? -1n)) return;
    this.released.set(partition, nextOffset);
    this.timer ??= setTimeout(() => {
      this.timer = null;
      // A failed periodic commit is retried with the next release, and finally by `flush`.
      this.commitReleased().catch(() => undefined);
    }, this.intervalMs);
  }

  /** The member's partitions after a (re)join; what was released for the others is dropped. */
  assign(partitions: readonly number[]): void {
    this.assigned = new Set(partitions);
    for (const partition of [...this.released.keys()]) {
      if (!this.assigned.has(partition)) this.released.delete(partition);
    }
  }

  /** Commits everything released so far; rejects when that commit fails. */
  flush(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    return this.commitReleased();
  }

  private commitReleased(): Promise<void> {
    const next = this.sending.catch(() => undefined).then(() => this.commitUncommitted());
    this.sending = next;
    return next;
  }

  private async commitUncommitted(): Promise<void> {
    const due = [...this.released].filter(([partition, offset]) => offset > (this.committed.get(partition) ?? -1n));
    if (due.length === 0) return;
    await this.commit(due.map(([partition, offset]) => ({ partition, offset: offset.toString() })));
    for (const [partition, offset] of due) this.committed.set(partition, offset);
  }
}
