import type { ServedJob } from './job';

/** A health or readiness verdict with the checks behind it, as /healthz and /readyz answer it. */
export interface Check {
  /** Every check passed. */
  readonly ok: boolean;
  readonly checks: Readonly<Record<string, boolean>>;
  readonly failure: string | null;
}

/** Alive: the run has not failed, every worker thread is there, and so is the writer thread (even while idle). */
export function livenessOf(job: ServedJob): Check {
  const status = job.status();
  const checks = {
    pipeline: status.failure === null,
    workers: status.liveThreads === status.threads,
    writer: status.writerFailure === null,
  };
  return { ok: Object.values(checks).every(Boolean), checks, failure: status.failure ?? status.writerFailure };
}

/** Ready: alive, the source connected, the sink open, and not stopping. */
export function readinessOf(job: ServedJob): Check {
  const alive = livenessOf(job);
  const status = job.status();
  const checks = {
    ...alive.checks,
    sourceConnected: status.sourceConnected,
    sinkOpen: status.sinkOpen,
    notStopping: !status.stopping,
  };
  return { ok: Object.values(checks).every(Boolean), checks, failure: alive.failure };
}
