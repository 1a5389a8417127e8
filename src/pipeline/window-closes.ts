import { performance } from 'node:perf_hooks';
import { closedThrough, type WindowSpec } from '../windows/spec';

/** One close of windows on its way to the writer. */
export interface Close {
  /** Every window ending at or before this is in it. */
  readonly through: number;
  /** When it was issued (performance.now()), for the event clock's latency. */
  readonly issuedAt: number;
  /** It follows other instances while all of this one's partitions are idle (Sink.follow). */
  readonly idle: boolean;
}

/**
 * Which windows are closed: the frontier the clock has passed, and each close issued to the shards
 * (numbered by the sequence they return) until its windows come back to be written.
 */
export class WindowCloses {
  /** Every window ending at or before this is closed (sent to be written, or being sent). */
  frontier = -Infinity;
  private readonly issued = new Map<number, Close>();

  constructor(
    private readonly spec: WindowSpec,
    /** Closes every window ending at or before `through` in the shards; returns the close's sequence number. */
    private readonly closeShards: (through: number) => number,
    private readonly onClosed: (through: number) => void,
  ) {}

  /** Closes the windows complete at `time`; the check spares a division for each event that closes nothing. */
  advanceTo(time: number): void {
    if (time - this.spec.slideMs >= this.frontier) this.closeDue(closedThrough(this.spec, time));
  }

  /** Closes every window ending at or before `through` that is not closed yet; `idle`: see Close. */
  closeDue(through: number, idle = false): void {
    if (through <= this.frontier) return;
    this.frontier = through;
    this.issued.set(this.closeShards(through), { through, issuedAt: performance.now(), idle });
    this.onClosed(through);
  }

  /** The close the shards answered with sequence `seq`; it is no longer pending. */
  taken(seq: number): Close {
    const close = this.issued.get(seq)!;
    this.issued.delete(seq);
    return close;
  }

  /** Forgets every close: the shards that would answer them are gone. */
  reset(): void {
    this.issued.clear();
    this.frontier = -Infinity;
  }
}
