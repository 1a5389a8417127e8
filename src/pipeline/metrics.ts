import { EventEmitter } from 'node:events';
import type { RejectReason } from '../parsing/reasons';
import type { DurableReport } from '../wire/writer-protocol';
import type { Assignment } from '../sources/source';

/** What the engine announces as it runs; displays and exporters subscribe, the engine waits for none. */
export interface EngineEvents {
  /** A source batch was parsed, validated and sharded. */
  batchProcessed: [messages: number];
  /** Every window ending at or before `through` was closed and sent to be written. */
  windowsClosed: [through: number];
  /** A write of windows became durable. */
  windowsDurable: [report: DurableReport];
  /** A window-end → durable latency (ms) was measured. */
  latencyRecorded: [ms: number];
  /** The group gave this instance a new set of partitions: its open windows were dropped and are read again. */
  reassigned: [assignment: Assignment];
}

/** The engine's counters of one run, owned by the pipeline and read by displays and the final summary. */
export class EngineMetrics extends EventEmitter<EngineEvents> {
  readonly startedAt = Date.now();
  received = 0;
  accepted = 0;
  /** Events of windows an earlier run already made durable (a replay after restart). */
  replayed = 0;
  /**
   * Accepted events whose client_id Kafka's default partitioner puts in another partition than the one
   * they came from: with several instances, their clients may be counted in the wrong instance's share.
   */
  misplaced = 0;
  readonly rejected = new Map<RejectReason, number>();
  windowsEmitted = 0;
  rowsWritten = 0;
  /** Event time of the latest window end made durable. */
  lastWindowEnd: number | null = null;
  /** Window-end → durable latencies (ms) since the last snapshot, and of the whole run. */
  private latencies: number[] = [];
  private readonly allLatencies: number[] = [];
  private lastLatencyP99: number | null = null;
  kafkaLag: number | null = null;

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
    this.allLatencies.push(ms);
    this.emit('latencyRecorded', ms);
  }

  /** p50, p99 and max of every latency of the run, or null before the first window. */
  latencySummary(): { p50: number; p99: number; max: number } | null {
    if (this.allLatencies.length === 0) return null;
    const sorted = [...this.allLatencies].sort((a, b) => a - b);
    return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] };
  }

  /** p99 of the latencies recorded since the last call (or the previous value when none). */
  takeLatencyP99(): number | null {
    if (this.latencies.length > 0) {
      this.lastLatencyP99 = percentile(this.latencies.sort((a, b) => a - b), 0.99);
      this.latencies = [];
    }
    return this.lastLatencyP99;
  }
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))];
}
