/**
 * Every read of the Cassandra tables, each a single-partition query on a prepared statement; the
 * recommender's four, the sink's own look-ups before it writes a window, and shared mode's state.
 */
export function readCql(keyspace: string) {
  return {
    latestWindowOfTopic: `SELECT window_end FROM ${keyspace}.topic_latest_window WHERE topic = ?`,
    topPages: `SELECT page, visitors FROM ${keyspace}.page_unique_visitors WHERE window_end = ? AND topic = ? LIMIT ?`,
    windowsBefore: `SELECT window_end FROM ${keyspace}.windows WHERE day = ? AND window_end < ? LIMIT ?`,
    visitedPages:
      `SELECT page FROM ${keyspace}.client_page_visits WHERE window_end = ? AND bucket = ? AND client_id = ? AND topic = ?`,
    topicWindowsBefore: `SELECT window_end FROM ${keyspace}.topic_windows WHERE topic = ? AND day = ? AND window_end < ? LIMIT ?`,
    previousWrite: `SELECT topics, WRITETIME(events) AS written FROM ${keyspace}.windows WHERE day = ? AND window_end = ?`,
    partitionProgress: `SELECT partition, delivered_through, ended, merged_through FROM ${keyspace}.partition_progress WHERE job = ?`,
    // Windows after the last merged through that every partition has delivered; the WRITETIME is what
    // the merge deletes the row at.
    pendingWindows: `SELECT window_end, WRITETIME(window_start) AS written FROM ${keyspace}.pending_windows ` +
      'WHERE job = ? AND window_end > ? AND window_end <= ? LIMIT ?',
    windowPartials:
      `SELECT partition, window_start, events, min_ts, pages, buckets FROM ${keyspace}.window_partials WHERE job = ? AND window_end = ?`,
    // The one read of a whole table, a row per topic: for an unknown topic's message and the dashboard.
    topics: `SELECT topic, window_end FROM ${keyspace}.topic_latest_window`,
  } as const;
}

export type ReadCql = ReturnType<typeof readCql>;
