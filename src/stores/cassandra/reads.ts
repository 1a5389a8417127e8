/**
 * Every read of the Cassandra tables, each a single-partition query on a prepared statement; the
 * recommender's four and the sink's own look-ups before it writes a window.
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
    progress: `SELECT closed_through FROM ${keyspace}.progress WHERE job = ?`,
    // The one read of a whole table, a row per topic: for an unknown topic's message and the dashboard.
    topics: `SELECT topic, window_end FROM ${keyspace}.topic_latest_window`,
  } as const;
}

export type ReadCql = ReturnType<typeof readCql>;
