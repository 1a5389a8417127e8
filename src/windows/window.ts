/**
 * A finished window as the writer receives it: every shard's partial merged into one, in the
 * column layout of the result tables. Times are Unix milliseconds.
 */
export interface WindowRows {
  readonly windowStart: number;
  readonly windowEnd: number;
  /** Smallest event timestamp among the window's events: the time every row of the window carries. */
  readonly windowTs: number;
  /** Number of events counted in the window. */
  readonly events: number;
  /** One row per (client_id, topic, page) seen in the window. */
  readonly clientPageVisits: {
    readonly clientIds: readonly string[];
    readonly topics: readonly string[];
    readonly pages: readonly string[];
    readonly visits: ArrayLike<number>;
  };
  /** One row per (topic, page) seen in the window: distinct client_ids. */
  readonly pageUniqueVisitors: {
    readonly topics: readonly string[];
    readonly pages: readonly string[];
    readonly visitors: ArrayLike<number>;
  };
}
