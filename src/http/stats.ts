import type { History } from './history';
import type { ServedJob } from './job';
import { processUsage } from './process-usage';

/**
 * What the dashboard shows besides the charts, read when asked: the engine's counters, the status,
 * the times (watermark, closed through) and queues, each input partition and aggregation shard, the
 * process, and the latest dead letters. Every value is one /metrics exposes too, read the same way.
 */
export function statsOf(
  job: ServedJob,
  history: History,
  recentLatencies: readonly (readonly [time: number, ms: number])[],
  cpuSince: NodeJS.CpuUsage,
): Record<string, unknown> {
  const { metrics } = job;
  const status = job.status();
  return {
    time: Date.now(),
    startedAt: metrics.startedAt,
    events: metrics.received,
    accepted: metrics.accepted,
    replayed: metrics.replayed,
    misplaced: metrics.misplaced,
    rejected: Object.fromEntries(metrics.rejected),
    rejectedTotal: metrics.rejectedTotal(),
    windowsWritten: metrics.windowsEmitted,
    rowsWritten: metrics.rowsWritten,
    lastWindowEnd: metrics.lastWindowEnd,
    kafkaLag: job.hasLag ? job.lag() : null,
    latencyMs: metrics.latencySummary(),
    recentLatencies,
    status,
    partitions: job.partitions(),
    shards: job.shards(),
    process: { ...processUsage(cpuSince), cpuPercent: history.latest()?.cpuPercent ?? null },
    deadLetters: job.recentDeadLetters(),
    hasStore: job.store !== null,
    job: job.description,
  };
}
