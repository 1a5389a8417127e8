import type { RejectReason } from '../parsing/reasons';
import type { DurableReport } from '../writer/protocol';

/** Counters of one run, read by the progress display and the final summary. */
export class Metrics {
  readonly startedAt = Date.now();
  received = 0;
  accepted = 0;
  /** Events of windows an earlier run already made durable (a replay after restart). */
  replayed = 0;
  readonly rejected = new Map<RejectReason, number>();
  windowsEmitted = 0;
  rowsWritten = 0;
  /** Event time of the latest window end made durable. */
  lastWindowEnd: number | null = null;
  /** Close → durable latencies (ms) since the last snapshot, for percentiles. */
  private latencies: number[] = [];
  private lastLatencyP99: number | null = null;
  kafkaLag: number | null = null;
  /** Called after each durable write that held windows. */
  onWindows: ((report: DurableReport) => void) | null = null;

  reject(reason: RejectReason): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
  }

  rejectedTotal(): number {
    let total = 0;
    for (const count of this.rejected.values()) total += count;
    return total;
  }

  recordLatency(ms: number): void {
    this.latencies.push(ms);
  }

  /** p99 of the latencies recorded since the last call (or the previous value when none). */
  takeLatencyP99(): number | null {
    if (this.latencies.length > 0) {
      const sorted = this.latencies.sort((a, b) => a - b);
      this.lastLatencyP99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))];
      this.latencies = [];
    }
    return this.lastLatencyP99;
  }
}
