import { FlagError, type FlagDefinition, type RawFlags } from './flag-parser';
import type { EngineMetrics } from '../pipeline/metrics';
import type { DurableReport } from '../wire/writer-protocol';
import { countOf } from './plural';
import { fitLine, SEPARATOR } from './terminal-line';

export type LogFormat = 'json' | 'pretty';
export type LogLevel = 'info' | 'warn' | 'error';

export const LOG_FORMAT_FLAG: FlagDefinition = {
  name: 'log-format',
  value: 'json|pretty',
  help: 'log lines as JSON (level, time, msg) or as text (default: pretty on a terminal, else json)',
};

export function logFormatOf(flags: RawFlags): LogFormat | null {
  const format = flags.get('log-format');
  if (format === undefined) return null;
  if (format !== 'json' && format !== 'pretty') throw new FlagError(`--log-format must be json or pretty, not "${String(format)}"`);
  return format;
}

/** The run's closing figures, as the JSON summary line carries them. */
export interface RunSummary {
  readonly events: number;
  readonly accepted: number;
  readonly rejected: Record<string, number>;
  readonly windows: number;
  readonly rows: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number } | null;
  readonly maxRssMb: number;
}

/**
 * Log lines and live progress, on stderr so a jsonl sink on stdout stays clean. JSON lines carry
 * pino's `level`, `time` and `msg`; pretty lines are text, and on a terminal the progress is one line
 * redrawn twice a second (otherwise a line every few seconds).
 */
export class ProgressDisplay {
  private timer: NodeJS.Timeout | null = null;
  private lastReceived = 0;
  private lastAt = Date.now();
  readonly format: LogFormat;
  /** Redraws one progress line in place: pretty output to a terminal. */
  private readonly live: boolean;

  constructor(
    private readonly metrics: EngineMetrics,
    format: LogFormat | null = null,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.format = format ?? (out.isTTY === true ? 'pretty' : 'json');
    this.live = this.format === 'pretty' && out.isTTY === true;
    metrics.on('windowsDurable', (report) => this.windowsWritten(report));
    metrics.on('reassigned', ({ owned, partitionCount, generation }) =>
      this.log(`assigned ${owned.length} of ${countOf(partitionCount, 'partition')}: ${owned.join(', ') || 'none'}`, { owned, generation }));
  }

  /** A line per durable write of windows: the latest window and its most visited page. */
  private windowsWritten(report: DurableReport): void {
    if (report.lastWindowEnd === null) return;
    const end = new Date(report.lastWindowEnd).toISOString();
    const top = report.topPage;
    const fields = { windows: report.windows, rows: report.rows, lastWindowEnd: end, writeMs: Math.round(report.writeMs), top };
    if (this.format === 'json') {
      this.log('windows written', fields);
      return;
    }
    const topText = top === null ? '' : `; top page ${top.topic} / ${top.page} (${countOf(top.visitors, 'visitor')})`;
    const what = report.windows === 1 ? `window ending ${end}` : `${report.windows} windows through ${end}`;
    this.log(`${what} written: ${countOf(report.rows, 'row')} in ${fields.writeMs} ms${topText}`);
  }

  start(): void {
    this.timer = setInterval(() => this.report(), this.live ? 500 : 5000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    if (this.live) this.out.write('\r\x1b[K');
  }

  /** One log line; in pretty form the fields follow as `key value`. */
  log(msg: string, fields: Record<string, unknown> = {}, level: LogLevel = 'info'): void {
    if (this.format === 'json') {
      this.out.write(JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields }) + '\n');
      return;
    }
    const prefix = level === 'info' ? '' : `${level === 'warn' ? 'warning' : 'error'}: `;
    this.out.write(`${this.live ? '\r\x1b[K' : ''}${[prefix + msg, ...textOf(fields)].join(SEPARATOR)}\n`);
  }

  /** A line that is not a log line (a dead letter, with `--dead-letter -`), as it is, clear of the live progress line. */
  print(line: string): void {
    this.out.write(`${this.live ? '\r\x1b[K' : ''}${line}\n`);
  }

  warn(msg: string, fields: Record<string, unknown> = {}): void {
    this.log(msg, fields, 'warn');
  }

  error(msg: string, fields: Record<string, unknown> = {}): void {
    this.log(msg, fields, 'error');
  }

  /** The closing line: the summary's fields as JSON, or one sentence of text. */
  logSummary(msg: string, level: LogLevel = 'info'): void {
    const summary = this.summary();
    if (this.format === 'json') this.log(msg, { ...summary }, level);
    else this.log(`${msg}: ${summaryText(summary)}`, {}, level);
  }

  summary(): RunSummary {
    const m = this.metrics;
    const seconds = (Date.now() - m.startedAt) / 1000;
    const latency = m.latencySummary();
    return {
      events: m.received,
      accepted: m.accepted,
      rejected: Object.fromEntries(m.rejected),
      windows: m.windowsEmitted,
      rows: m.rowsWritten,
      seconds: Number(seconds.toFixed(3)),
      eventsPerSecond: Math.round(m.received / Math.max(seconds, 0.001)),
      latencyMs: latency === null ? null : { p50: Math.round(latency.p50), p99: Math.round(latency.p99), max: Math.round(latency.max) },
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
      misplaced: m.misplaced,
      writeP99Ms: p99 === null ? null : Math.round(p99),
    };
    if (this.format === 'json') {
      this.log('progress', fields);
      return;
    }
    // Most telling first: on a narrow terminal the line keeps what fits of them, in this order.
    const parts = [
      `${rate.toLocaleString('en')} ev/s`,
      countOf(m.received, 'event'),
      `${fields.rejected.toLocaleString('en')} rejected`,
      countOf(m.windowsEmitted, 'window'),
    ];
    if (m.kafkaLag !== null) parts.push(`lag ${m.kafkaLag.toLocaleString('en')}`);
    if (fields.writeP99Ms !== null) parts.push(`write p99 ${fields.writeP99Ms} ms`);
    if (m.misplaced > 0) parts.push(`warning: ${m.misplaced.toLocaleString('en')} misplaced (client not in its key's partition)`);
    if (fields.lastWindowEnd !== null) parts.push(`last window end ${fields.lastWindowEnd}`);
    // The width is read at each redraw: the terminal may have been resized.
    if (this.live) this.out.write(`\r\x1b[K${fitLine(parts, this.out.columns)}`);
    else this.out.write(`${parts.join(SEPARATOR)}\n`);
  }
}

const count = (n: number): string => n.toLocaleString('en');

/** The summary as one sentence: what was read, what came of it, and how fast. */
export function summaryText(s: RunSummary): string {
  const reasons = Object.entries(s.rejected).map(([reason, n]) => `${reason} ${count(n)}`);
  const rejected = Object.values(s.rejected).reduce((sum, n) => sum + n, 0);
  const parts = [
    `${countOf(s.events, 'event')} in ${s.seconds.toFixed(1)} s (${count(s.eventsPerSecond)}/s)`,
    `${count(s.accepted)} accepted, ${count(rejected)} rejected${reasons.length > 0 ? ` (${reasons.join(', ')})` : ''}`,
    `${countOf(s.windows, 'window')} and ${countOf(s.rows, 'row')} written`,
  ];
  if (s.latencyMs !== null) parts.push(`write latency p50 ${s.latencyMs.p50} ms, p99 ${s.latencyMs.p99} ms, max ${s.latencyMs.max} ms`);
  parts.push(`peak memory ${count(s.maxRssMb)} MB`);
  return parts.join('; ');
}

function textOf(fields: Record<string, unknown>): string[] {
  return Object.entries(fields).map(([key, value]) => `${key} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
}
