import { performance } from 'node:perf_hooks';

/** What the process uses, as prom-client's process_* metrics tell it, read when asked. */
export interface ProcessUsage {
  /** Since the process started (process_start_time_seconds). */
  readonly uptimeSeconds: number;
  /** Resident memory (process_resident_memory_bytes). */
  readonly rssBytes: number;
  /**
   * User and system CPU time of every thread since `since` was read: as process_cpu_seconds_total,
   * which prom-client counts from the moment the metrics were set up, not from the process's start.
   */
  readonly cpuSeconds: number;
}

export function processUsage(since: NodeJS.CpuUsage): ProcessUsage {
  const { user, system } = process.cpuUsage(since);
  return {
    uptimeSeconds: process.uptime(),
    rssBytes: process.memoryUsage.rss(),
    cpuSeconds: (user + system) / 1e6,
  };
}

/**
 * CPU used between two readings, as a percentage of one core: worker and writer threads count too,
 * so a busy job on two cores reads up to 200%.
 */
export class CpuMeter {
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();

  /** The share of one core used since the previous call (or since the meter was made). */
  percentSinceLast(): number {
    const now = performance.now();
    const used = process.cpuUsage(this.lastCpu);
    const elapsedMs = now - this.lastAt;
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
    return elapsedMs <= 0 ? 0 : ((used.user + used.system) / 1000 / elapsedMs) * 100;
  }
}
