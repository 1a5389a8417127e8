import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { REJECT_REASONS } from '../parsing/reasons';
import { packageVersion } from '../version';
import { readinessOf } from './health';
import type { ServedJob } from './job';

/** Window end → durable, from well under the 1 s bar to a stalled sink. */
const LATENCY_BUCKETS_SECONDS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

const secondsOf = (ms: number | null): number | null => (ms === null ? null : ms / 1000);

/**
 * The job's Prometheus metrics. Counters and gauges copy the engine's own counters when scraped
 * (`collect`), so the engine does no work for them; only the latency histogram and the count of closes
 * take a value as it happens, once per write or close, not per event.
 */
export function createRegistry(job: ServedJob): Registry {
  const registry = new Registry();
  const registers = [registry];
  const { metrics } = job;
  collectDefaultMetrics({ register: registry });
  /** A counter that copies an engine counter when scraped. */
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  /** A gauge read when scraped; null (not known yet) is NaN. */
  const gauge = (name: string, help: string, read: () => number | null) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read() ?? NaN);
      },
    });

  /** A gauge with a series per partition or shard, all read when scraped (a series gone is dropped); null is NaN. */
  const gaugeEach = (name: string, help: string, label: string, read: () => Iterable<readonly [number, number | null]>) =>
    new Gauge({
      name,
      help,
      labelNames: [label],
      registers,
      collect() {
        this.reset();
        for (const [key, value] of read()) this.set({ [label]: key }, value ?? NaN);
      },
    });

  new Gauge({ name: 'clickstream_build_info', help: 'Always 1; the version of the running job.', labelNames: ['version'], registers })
    .set({ version: packageVersion() }, 1);
  counter('clickstream_events_read_total', 'Messages read from the source.', () => metrics.received);
  counter(
    'clickstream_events_misplaced_total',
    'Accepted events whose client_id Kafka\'s default partitioner puts in another partition than theirs (several instances may miscount them).',
    () => metrics.misplaced,
  );
  new Counter({
    name: 'clickstream_events_total',
    help: 'Messages read, by outcome: accepted into windows, rejected (see clickstream_events_rejected_total), or replayed into windows an earlier run already wrote.',
    labelNames: ['outcome'],
    registers,
    collect() {
      this.reset();
      this.inc({ outcome: 'accepted' }, metrics.accepted);
      this.inc({ outcome: 'rejected' }, metrics.rejectedTotal());
      this.inc({ outcome: 'replayed' }, metrics.replayed);
    },
  });
  new Counter({
    name: 'clickstream_events_rejected_total',
    help: 'Messages rejected and dead-lettered, by reason.',
    labelNames: ['reason'],
    registers,
    collect() {
      this.reset();
      for (const reason of REJECT_REASONS) this.inc({ reason }, metrics.rejected.get(reason) ?? 0);
    },
  });
  const closes = new Counter({
    name: 'clickstream_window_closes_total',
    help: 'Closes sent to the workers; each ends every open window up to the clock.',
    registers,
  });
  metrics.on('windowsClosed', () => closes.inc());
  counter('clickstream_windows_written_total', 'Windows durable in the sink.', () => metrics.windowsEmitted);
  counter('clickstream_rows_written_total', 'Rows durable in the sink, over the three tables.', () => metrics.rowsWritten);
  const latency = new Histogram({
    name: 'clickstream_window_write_latency_seconds',
    help: "From a window's end (event clock: its close) to its rows being durable in the sink.",
    buckets: LATENCY_BUCKETS_SECONDS,
    registers,
  });
  metrics.on('latencyRecorded', (ms) => latency.observe(ms / 1000));
  gauge(
    'clickstream_last_window_end_timestamp_seconds',
    'End of the latest window written (Unix seconds; event time with the event clock).',
    () => secondsOf(metrics.lastWindowEnd),
  );
  gauge('clickstream_closed_through_timestamp_seconds', 'Every window ending at or before this (Unix seconds) is closed.', () =>
    secondsOf(job.status().closedThrough),
  );
  if (job.eventClock) {
    gauge(
      'clickstream_watermark_timestamp_seconds',
      'Event clock: the watermark, the lowest newest event time over the busy partitions less the lateness (Unix seconds).',
      () => secondsOf(job.status().watermark),
    );
    gaugeEach(
      'clickstream_partition_watermark_timestamp_seconds',
      "Event clock: each input partition's own watermark, its newest event time less the lateness (Unix seconds; NaN before its first event).",
      'partition',
      () => job.partitions().map((p) => [p.partition, secondsOf(p.watermark)] as const),
    );
  }
  if (job.hasLag) {
    gauge('clickstream_kafka_lag_messages', 'Messages behind the end of the assigned partitions, summed (NaN until the source knows).', () =>
      job.lag(),
    );
    gaugeEach(
      'clickstream_kafka_partition_lag_messages',
      'Messages behind the end of each partition of the topic (NaN until the source knows).',
      'partition',
      () => job.partitions().map((p) => [p.partition, p.lag] as const),
    );
  }
  gaugeEach(
    'clickstream_open_windows',
    'Windows holding events and not closed yet, per aggregation shard (each holds its share of every window), as its latest task left them.',
    'shard',
    () => job.shards().map((held, shard) => [shard, held.openWindows] as const),
  );
  gaugeEach(
    'clickstream_open_panes',
    'Partial aggregates held, one per pane of time, per aggregation shard, as its latest task left them.',
    'shard',
    () => job.shards().map((held, shard) => [shard, held.openPanes] as const),
  );
  gauge('clickstream_worker_queue_tasks', 'Tasks queued for the aggregation workers.', () => job.status().queuedTasks);
  gauge('clickstream_writer_queue_closes', 'Closes of windows waiting for the writer thread.', () => job.status().pendingWrites);
  gauge('clickstream_worker_threads', 'Aggregation worker threads alive.', () => job.status().liveThreads);
  gauge('clickstream_ready', '1 when /readyz answers 200: the source connected, the sink open, not stopping.', () =>
    readinessOf(job).ok ? 1 : 0,
  );
  return registry;
}
