/**
 * Write timestamps (microseconds since the epoch) that only go up within the process. A replay of a
 * window deletes at t and inserts at t + 1, so its inserts survive its own deletes and its deletes
 * shadow every row of an earlier write, as long as each write's t exceeds the last one's.
 */
export interface WriteClock {
  /** A fresh t above every t handed out before and above `atLeast`; t + 1 is reserved too. */
  next(atLeast?: number): number;
}

export function createWriteClock(nowMicros: () => number = () => Date.now() * 1000): WriteClock {
  let last = 0;
  return {
    next(atLeast = 0) {
      const t = Math.max(nowMicros(), last + 2, atLeast);
      last = t;
      return t;
    },
  };
}
