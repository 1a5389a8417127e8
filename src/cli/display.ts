import type { EngineMetrics } from '../pipeline/metrics';
import type { DurableReport } from '../wire/writer-protocol';

/**
 * Live progress: on a terminal one line redrawn twice a second; otherwise a structured JSON log line
 * every few seconds. Both go to stderr, so a jsonl sink on stdout stays clean.
 */
export class ProgressDisplay {
  private timer: NodeJS.Timeout | null = null;
  private lastReceived = 0;
  private lastAt = Date.now();
  private readonly isTerminal: boolean;

  constructor(
    private readonly metrics: EngineMetrics,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.isTerminal = out.isTTY === true;
    metrics.on('windowsDurable', (report) => this.windowsWritten(report));
  }

  /** A line per durable write of windows: the latest window and its most visited page. */
  private windowsWritten(report: DurableReport): void {
    if (report.lastWindowEnd === null) return;
    const end = new Date(report.lastWindowEnd).toISOString();
    const top = report.topPage;
    const fields = { windows: report.windows, rows: report.rows, lastWindowEnd: end, writeMs: Math.round(report.writeMs), top };
    if (!this.isTerminal) {
      this.log('windows written', fields);
      return;
    }
    const topText = top === null ? '' : `; top page ${top.topic} / ${top.page} (${top.visitors} visitors)`;
    const what = report.windows === 1 ? `window ending ${end}` : `${report.windows} windows through ${end}`;
    this.log(`${what} written: ${report.rows.toLocaleString('en')} rows in ${fields.writeMs} ms${topText}`);
  }

  start(): void {
    this.timer = setInterval(() => this.report(), this.isTerminal ? 500 : 5000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    if (this.isTerminal) this.out.write('\n');
  }

  /** One log line, in the same format as the periodic ones; on a terminal the fields as `key value`. */
  log(message: string, fields: Record<string, unknown> = {}): void {
    if (this.isTerminal) this.out.write(`\r\x1b[K${[message, ...textOf(fields)].join(' | ')}\n`);
    else this.out.write(JSON.stringify({ time: new Date().toISOString(), message, ...fields }) + '\n');
  }

  summary(): Record<string, unknown> {
    const m = this.metrics;
    const seconds = (Date.now() - m.startedAt) / 1000;
    return {
      events: m.received,
      accepted: m.accepted,
      rejected: Object.fromEntries(m.rejected),
      windows: m.windowsEmitted,
      rows: m.rowsWritten,
      seconds: Number(seconds.toFixed(3)),
      eventsPerSecond: Math.round(m.received / Math.max(seconds, 0.001)),
      latencyMs: m.latencySummary(),
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  }

  private report(): void {
    const m = this.metrics;
    const now = Date.now();
    const rate = Math.round(((m.received - this.lastReceived) * 1000) / Math.max(1, now - this.lastAt));
    this.lastReceived = m.received;
    this.lastAt = now;
    const p99 = m.takeLatencyP99();
    const fields = {
      eventsPerSecond: rate,
      events: m.received,
      rejected: m.rejectedTotal(),
      windows: m.windowsEmitted,
      lastWindowEnd: m.lastWindowEnd === null ? null : new Date(m.lastWindowEnd).toISOString(),
      kafkaLag: m.kafkaLag,
      writeP99Ms: p99 === null ? null : Math.round(p99),
    };
    if (!this.isTerminal) {
      this.log('progress', fields);
      return;
    }
    const parts = [
      `${rate.toLocaleString('en')} ev/s`,
      `${m.received.toLocaleString('en')} events`,
      `${fields.rejected.toLocaleString('en')} rejected`,
      `${m.windowsEmitted} windows`,
    ];
    if (fields.lastWindowEnd !== null) parts.push(`last window end ${fields.lastWindowEnd}`);
    if (m.kafkaLag !== null) parts.push(`lag ${m.kafkaLag.toLocaleString('en')}`);
    if (fields.writeP99Ms !== null) parts.push(`write p99 ${fields.writeP99Ms} ms`);
    this.out.write(`\r\x1b[K${parts.join(' | ')}`);
  }
}

function textOf(fields: Record<string, unknown>): string[] {
  return Object.entries(fields).map(([key, value]) => `${key} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
}
