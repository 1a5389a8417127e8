/**
 * Source batches waiting until every window their events count in is durable, in delivery order.
 * A batch is released only after all batches before it, so commits never skip ahead of a hole.
 */
export class PendingCheckpoints {
  private checkpoints: unknown[] = [];
  private lastWindowEnds: number[] = [];
  private head = 0;
  private durableThrough: number;

  constructor(
    private readonly onDurable: (checkpoint: unknown) => void,
    durableThrough: number,
  ) {
    this.durableThrough = durableThrough;
  }

  /** A delivered batch whose events count in windows ending at most at `lastWindowEnd`. */
  add(checkpoint: unknown, lastWindowEnd: number): void {
    this.checkpoints.push(checkpoint);
    this.lastWindowEnds.push(lastWindowEnd);
    this.release();
  }

  /** Every window ending at or before `through` is durable. */
  durable(through: number): void {
    if (through > this.durableThrough) this.durableThrough = through;
    this.release();
  }

  private release(): void {
    while (this.head < this.checkpoints.length && this.lastWindowEnds[this.head] <= this.durableThrough) {
      const checkpoint = this.checkpoints[this.head];
      this.checkpoints[this.head++] = undefined;
      this.onDurable(checkpoint);
    }
    if (this.head > 1024 && this.head * 2 > this.checkpoints.length) this.compact();
  }

  private compact(): void {
    this.checkpoints = this.checkpoints.slice(this.head);
    this.lastWindowEnds = this.lastWindowEnds.slice(this.head);
    this.head = 0;
  }
}
