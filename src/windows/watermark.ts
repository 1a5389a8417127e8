/**
 * Event-clock watermark: per input partition, the highest event time seen minus the allowed
 * lateness; overall, the minimum over the partitions that are not idle (as in Flink), never decreasing.
 * It is updated per event, so which events are late depends only on the input order, not on batching.
 *
 * A partition is idle once it has delivered nothing for `idleTimeoutMs` while others kept delivering.
 * Its silence is counted only as the others' batches arrive, each gap capped: when the whole job stalls
 * (its sink is down and it stops reading, or the broker is away), no partition ages, so on resuming a
 * partition that is merely behind does not let the others' watermark make its events late.
 */
export class Watermark {
  private readonly highest: number[] = [];
  private readonly silentMs: number[] = [];
  private lastActivity = -Infinity;
  private current = -Infinity;

  constructor(
    private readonly latenessMs: number,
    private readonly idleTimeoutMs: number,
  ) {}

  /** The watermark now: -Infinity before the first event. */
  get value(): number {
    return this.current;
  }

  /** One partition's own watermark, its highest event time less the lateness: -Infinity before its first event. */
  partitionValue(partition: number): number {
    return (this.highest[partition] ?? -Infinity) - this.latenessMs;
  }

  /** Records an event time of a partition; returns the watermark. */
  observe(partition: number, eventTime: number): number {
    if (eventTime > this.highest[partition]) {
      this.highest[partition] = eventTime;
      if (this.highest.length === 1) this.raiseTo(eventTime);
      else this.recompute();
    }
    return this.current;
  }

  /** The partition delivered a batch at wall time `now`: the others' silence grows by the gap. */
  touch(partition: number, now: number): number {
    for (let p = this.highest.length; p <= partition; p++) {
      this.highest[p] = -Infinity;
      this.silentMs[p] = 0;
    }
    const gap = Math.min(Math.max(0, now - this.lastActivity), MAX_COUNTED_GAP_MS);
    this.lastActivity = Math.max(this.lastActivity, now);
    for (let p = 0; p < this.silentMs.length; p++) this.silentMs[p] = p === partition ? 0 : this.silentMs[p] + gap;
    this.recompute();
    return this.current;
  }

  private recompute(): void {
    let lowest = Infinity;
    for (let p = 0; p < this.highest.length; p++) {
      if (this.silentMs[p] >= this.idleTimeoutMs) continue;
      if (this.highest[p] < lowest) lowest = this.highest[p];
    }
    if (lowest !== Infinity) this.raiseTo(lowest);
  }

  private raiseTo(highest: number): void {
    if (highest - this.latenessMs > this.current) this.current = highest - this.latenessMs;
  }
}

/** The longest gap between two batches that counts as silence: longer ones are the job stalling. */
const MAX_COUNTED_GAP_MS = 1000;
