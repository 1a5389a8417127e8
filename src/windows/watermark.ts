/**
 * Event-clock watermark (SPEC §3): per input partition, the highest event time seen minus the allowed
 * lateness; overall, the minimum over the partitions that are not idle (as in Flink), never decreasing.
 * A partition that has delivered nothing for `idleTimeoutMs` of wall time stops holding it back.
 * It is updated per event, so which events are late depends only on the input order, not on batching.
 */
export class Watermark {
  private readonly highest: number[] = [];
  private readonly lastSeenAt: number[] = [];
  private current = -Infinity;

  constructor(
    private readonly latenessMs: number,
    private readonly idleTimeoutMs: number,
  ) {}

  /** Records an event time of a partition; returns the watermark. */
  observe(partition: number, eventTime: number): number {
    if (eventTime > this.highest[partition]) {
      this.highest[partition] = eventTime;
      if (this.highest.length === 1) this.raiseTo(eventTime);
      else this.recompute(this.lastSeenAt[partition]);
    }
    return this.current;
  }

  /** Marks the partition active at wall time `now` (it delivered a batch) and lets idle ones go. */
  touch(partition: number, now: number): number {
    for (let p = this.highest.length; p <= partition; p++) this.highest[p] = -Infinity;
    this.lastSeenAt[partition] = now;
    return this.refresh(now);
  }

  /** Lets partitions idle at wall time `now` stop holding the watermark back; returns it. */
  refresh(now: number): number {
    this.recompute(now);
    return this.current;
  }

  value(): number {
    return this.current;
  }

  private recompute(now: number): void {
    let lowest = Infinity;
    for (let p = 0; p < this.highest.length; p++) {
      if (this.isIdle(p, now)) continue;
      if (this.highest[p] < lowest) lowest = this.highest[p];
    }
    if (lowest !== Infinity) this.raiseTo(lowest);
  }

  private raiseTo(highest: number): void {
    if (highest - this.latenessMs > this.current) this.current = highest - this.latenessMs;
  }

  private isIdle(partition: number, now: number): boolean {
    const seen = this.lastSeenAt[partition];
    return seen === undefined || now - seen >= this.idleTimeoutMs;
  }
}
