/**
 * Window geometry. Window instances end at multiples of the slide from the epoch; the window
 * ending at E covers [E − window, E). Aggregation keeps one partial per pane, the largest interval that
 * tiles both window and slide (gcd), so every window is a union of whole panes — the classic
 * "panes" decomposition, which keeps results independent of the batch interval.
 */
export interface WindowSpec {
  readonly windowMs: number;
  readonly slideMs: number;
  readonly paneMs: number;
  /** Event time: how far behind the newest event an event may be and still count (Kafka Streams' grace). */
  readonly graceMs: number;
}

export function createWindowSpec(windowMs: number, slideMs: number, graceMs = 0): WindowSpec {
  const problem = windowSpecProblem(windowMs, slideMs);
  if (problem !== null) throw new Error(problem);
  return { windowMs, slideMs, paneMs: gcd(windowMs, slideMs), graceMs };
}

/** Why these durations cannot form windows, or null when they can. */
export function windowSpecProblem(windowMs: number, slideMs: number): string | null {
  if (!(windowMs > 0)) return '--window must be a positive duration';
  if (!(slideMs > 0)) return '--slide must be a positive duration';
  if (slideMs > windowMs) return '--slide may not exceed --window';
  return null;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** End of the earliest window holding time t. */
export function firstWindowEnd(spec: WindowSpec, t: number): number {
  return (Math.floor(t / spec.slideMs) + 1) * spec.slideMs;
}

/** End of the latest window holding time t (the same for every t of one pane). */
export function lastWindowEnd(spec: WindowSpec, t: number): number {
  return Math.floor((t + spec.windowMs) / spec.slideMs) * spec.slideMs;
}

export function paneStart(spec: WindowSpec, t: number): number {
  return Math.floor(t / spec.paneMs) * spec.paneMs;
}

/** The largest window end E with E ≤ watermark: every window ending there or before is complete. */
export function closedThrough(spec: WindowSpec, watermark: number): number {
  return Math.floor(watermark / spec.slideMs) * spec.slideMs;
}
