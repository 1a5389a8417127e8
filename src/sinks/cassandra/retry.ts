import { errors, types } from 'cassandra-driver';
import { messageOf } from './client';

/**
 * Retries of one idempotent statement. Every write carries an explicit timestamp, so applying it
 * twice (a timeout after the replica applied it, then a retry) leaves the same cells: retrying any
 * write is safe.
 */
export interface RetryPolicy {
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  /** Give up once this long has passed since the first failure: long enough to ride out an outage. */
  readonly giveUpAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { firstDelayMs: 100, maxDelayMs: 5_000, giveUpAfterMs: 120_000 };

const TRANSIENT_CODES: ReadonlySet<number> = new Set([
  types.responseErrorCodes.unavailableException,
  types.responseErrorCodes.overloaded,
  types.responseErrorCodes.isBootstrapping,
  types.responseErrorCodes.writeTimeout,
  types.responseErrorCodes.readTimeout,
]);

/**
 * Timeouts, Unavailable, an overloaded or starting node, no reachable host, a connection that closed
 * under a request (the driver's "Socket was closed", as a node goes down): worth another try.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof errors.ResponseError) return TRANSIENT_CODES.has(error.code);
  return (
    error instanceof errors.OperationTimedOutError ||
    error instanceof errors.NoHostAvailableError ||
    (error instanceof errors.DriverError && (error as { isSocketError?: boolean }).isSocketError === true) ||
    // The driver's host pool throws this plain Error when a host came back but has no connection open yet.
    (error instanceof Error && error.message === 'No connection available')
  );
}

/** Exponential backoff with "equal jitter": half the step fixed, half random, so retries spread out. */
export function backoffMs(policy: RetryPolicy, failures: number, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (failures - 1));
  return step / 2 + (step / 2) * random();
}

export interface RetryHooks {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

const REAL_TIME: RetryHooks = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/**
 * Runs `attempt` until it succeeds, a failure is not transient, or the policy gives up; the error
 * it then throws says `what` was being done.
 */
export async function withRetry<T>(
  what: string,
  attempt: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY,
  hooks: RetryHooks = REAL_TIME,
): Promise<T> {
  let firstFailure: number | undefined;
  for (let failures = 1; ; failures++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isTransient(error)) throw new Error(`${what}: ${messageOf(error)}`, { cause: error });
      firstFailure ??= hooks.now();
      const waited = hooks.now() - firstFailure;
      if (waited >= policy.giveUpAfterMs) {
        const tries = `failed ${failures} times over ${Math.round(waited / 1000)} s`;
        throw new Error(`${what}: ${tries}, giving up: ${messageOf(error)}`, { cause: error });
      }
      await hooks.sleep(Math.min(backoffMs(policy, failures, hooks.random), policy.giveUpAfterMs - waited));
    }
  }
}
