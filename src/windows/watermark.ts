/**
 * Event-clock watermark: per input partition, the highest event time seen minus the allowed
 * lateness; overall, the minimum over the partitions that are not idle (as in Flink), never decreasing.
 * It is updated per event, so which events are late depends only on the input order, not on batching.
 *
 * A partition is idle once it has been quiet for `idleTimeoutMs` of wall time: it delivered nothing
 * and, at every tick meanwhile, it was caught up (the source had read everything the partition holds,
 * and the pipeline had taken it). A job that stalls (its sink is down and it stops reading, or the
 * broker is away) leaves the partitions with unread messages not caught up, so none of them ages: on
 * resuming, a partition that is merely behind does not let the others' watermark make its events late.
 * Idleness is judged at ticks, so it comes up to one tick after the timeout.
 */
export class Watermark {
  private readonly highest: number[] = [];
  /** Wall time since which the partition has been quiet (delivered nothing, caught up at every tick). */
  private readonly quietSince: number[] = [];
  private readonly idle: boolean[] = [];
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

  /** Whether there are partitions and every one of them is idle: the watermark cannot move until one delivers. */
  isIdle(): boolean {
    return this.idle.length > 0 && this.idle.every(Boolean);
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

  /** Partitions below `count` hold the watermark back from now on, quiet from `now`. */
  know(count: number, now: number): void {
    for (let p = this.highest.length; p < count; p++) {
      this.highest[p] = -Infinity;
      this.quietSince[p] = now;
      this.idle[p] = false;
    }
  }

  /** The partition delivered a batch at wall time `now`: it is not quiet, nor idle. Returns the watermark. */
  touch(partition: number, now: number): number {
    this.know(partition + 1, now);
    this.quietSince[partition] = now;
    if (this.idle[partition]) {
      this.idle[partition] = false;
      this.recompute();
    }
    return this.current;
  }

  /**
   * A tick at wall time `now`: a partition `isCaughtUp` denies is not quiet from now; one quiet for the
   * idle timeout is idle. Returns the watermark.
   */
  tick(now: number, isCaughtUp: (partition: number) => boolean): number {
    let changed = false;
    for (let p = 0; p < this.quietSince.length; p++) {
      if (!isCaughtUp(p)) this.quietSince[p] = now;
      const idle = now - this.quietSince[p] >= this.idleTimeoutMs;
      if (idle !== this.idle[p]) {
        this.idle[p] = idle;
        changed = true;
      }
    }
    if (changed) this.recompute();
    return this.current;
  }

  private recompute(): void {
    let lowest = Infinity;
    for (let p = 0; p < this.highest.length; p++) {
      if (this.idle[p]) continue;
      if (this.highest[p] < lowest) lowest = this.highest[p];
    }
    if (lowest !== Infinity) this.raiseTo(lowest);
  }

  private raiseTo(highest: number): void {
    if (highest - this.latenessMs > this.current) this.current = highest - this.latenessMs;
  }
}
