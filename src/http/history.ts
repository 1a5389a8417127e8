import type { ServedJob } from './job';
import { CpuMeter } from './process-usage';
import { Ring } from './ring';

/** One reading of the job, taken every second, for the dashboard's charts. */
export interface Sample {
  /** Unix ms. */
  readonly time: number;
  readonly eventsPerSecond: number;
  readonly rejectsPerSecond: number;
  /** Kafka: messages behind, summed over the partitions; null otherwise or before it is known. */
  readonly kafkaLag: number | null;
  /** Event clock: the watermark (ms); null otherwise. */
  readonly watermark: number | null;
  /** Every window ending at or before this (ms) is closed; null before the first close. */
  readonly closedThrough: number | null;
  readonly workerTasks: number;
  readonly writerCloses: number;
  /** Open windows of the job: each shard holds its share of every window, so the most any shard holds. */
  readonly openWindows: number;
  /** Panes held over every shard. */
  readonly openPanes: number;
  readonly rssBytes: number;
  /** CPU over the second before, as a percentage of one core; null for the first sample, which has no second before. */
  readonly cpuPercent: number | null;
}

type Column = keyof Sample;
const COLUMNS: readonly Column[] = [
  'time', 'eventsPerSecond', 'rejectsPerSecond', 'kafkaLag', 'watermark', 'closedThrough',
  'workerTasks', 'writerCloses', 'openWindows', 'openPanes', 'rssBytes', 'cpuPercent',
];

/** Samples as columns, oldest first: what the charts plot, one array per series. */
export type HistoryColumns = Record<Column, (number | null)[]>;

/** Ten minutes at one sample a second. */
export const HISTORY_SAMPLES = 600;
export const SAMPLE_EVERY_MS = 1000;

/**
 * The last minutes of the job, sampled on a timer of the main thread whether or not a dashboard is
 * open, so a tab opened now shows them at once (as Flink's and Spark's UIs do). Each sample reads
 * counters the engine keeps anyway: nothing is added per event.
 */
export class History {
  private readonly samples: Ring<Sample>;
  private previous: { time: number; events: number; rejects: number } | null = null;
  private readonly cpu = new CpuMeter();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly job: ServedJob,
    capacity = HISTORY_SAMPLES,
  ) {
    this.samples = new Ring(capacity);
  }

  start(everyMs = SAMPLE_EVERY_MS): void {
    this.take();
    this.timer = setInterval(() => this.take(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Takes a sample now. */
  take(time = Date.now()): Sample {
    const { job } = this;
    const { metrics } = job;
    const status = job.status();
    const events = metrics.received;
    const rejects = metrics.rejectedTotal();
    const previous = this.previous;
    const seconds = previous === null ? 0 : (time - previous.time) / 1000;
    const rate = (now: number, before: number | undefined) => (seconds > 0 && before !== undefined ? (now - before) / seconds : 0);
    const shards = job.shards();
    const sample: Sample = {
      time,
      eventsPerSecond: rate(events, previous?.events),
      rejectsPerSecond: rate(rejects, previous?.rejects),
      kafkaLag: job.hasLag ? job.lag() : null,
      watermark: status.watermark,
      closedThrough: status.closedThrough,
      workerTasks: status.queuedTasks,
      writerCloses: status.pendingWrites,
      openWindows: shards.reduce((most, held) => Math.max(most, held.openWindows), 0),
      openPanes: shards.reduce((sum, held) => sum + held.openPanes, 0),
      rssBytes: process.memoryUsage.rss(),
      cpuPercent: previous === null ? null : this.cpu.percentSinceLast(),
    };
    this.previous = { time, events, rejects };
    this.samples.push(sample);
    return sample;
  }

  /** The newest sample, or null before the first. */
  latest(): Sample | null {
    return this.samples.latest() ?? null;
  }

  /** The samples taken after `time` (Unix ms), oldest first, as columns. */
  since(time: number): HistoryColumns {
    const columns = Object.fromEntries(COLUMNS.map((column) => [column, [] as (number | null)[]])) as HistoryColumns;
    for (const sample of this.samples.toArray()) {
      if (sample.time <= time) continue;
      for (const column of COLUMNS) columns[column].push(sample[column]);
    }
    return columns;
  }
}
