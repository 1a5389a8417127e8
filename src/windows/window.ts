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
  /**
   * The same rows as ids into the shards' names, as they arrived (see WindowColumns); present on the
   * writer's merged windows. Sinks that format rows themselves read these and never build the string
   * arrays above; the rows are the same, in the same order.
   */
  readonly columns?: WindowColumns;
}

/**
 * Names the ids of a run of rows index: `clients[clientId]`, and for a page id its topic and page. The
 * arrays only grow while the object is in use, so a sink may cache what it derives from an entry
 * (its JSON text, say) by the object and the id.
 */
export interface Names {
  readonly clients: readonly string[];
  readonly topics: readonly string[];
  readonly pages: readonly string[];
}

/** client_page_visits rows [from, to) of `rows`: row r is client `rows[3r]`, page `rows[3r + 1]`, `rows[3r + 2]` visits. */
export interface VisitRun {
  readonly names: Names;
  readonly rows: Uint32Array;
  readonly from: number;
  readonly to: number;
}

/**
 * A window's rows as ids. client_page_visits is the runs one after another; page_unique_visitors row i
 * is page `pageIds[i]` of `names[run[i]]` with `visitors[i]` distinct clients.
 */
export interface WindowColumns {
  readonly visits: readonly VisitRun[];
  readonly visitors: {
    readonly names: readonly Names[];
    readonly run: Uint32Array;
    readonly pageIds: Uint32Array;
    readonly visitors: Uint32Array;
  };
}

const MAX_COUNT = 0xffff_ffff;

/**
 * The window's columns: its own when it has them, else made from its string arrays (windows built by
 * hand, as in tests), one name per row. A window whose parallel arrays differ in length, or whose
 * counts are not integers in [0, 2^32), is an upstream bug and refused whole.
 */
export function columnsOf(window: WindowRows): WindowColumns {
  if (window.columns !== undefined) return window.columns;
  const { clientIds, topics, pages, visits } = window.clientPageVisits;
  const visitors = window.pageUniqueVisitors;
  const rowCount = clientIds.length;
  const pageCount = visitors.topics.length;
  if (
    topics.length !== rowCount ||
    pages.length !== rowCount ||
    visits.length !== rowCount ||
    visitors.pages.length !== pageCount ||
    visitors.visitors.length !== pageCount
  ) {
    throw new Error(`window ending ${window.windowEnd}: its column arrays differ in length`);
  }
  const rows = new Uint32Array(3 * rowCount);
  for (let r = 0; r < rowCount; r++) {
    rows[3 * r] = r;
    rows[3 * r + 1] = r;
    rows[3 * r + 2] = countOf(window, visits[r]);
  }
  const pageIds = new Uint32Array(pageCount);
  const counts = new Uint32Array(pageCount);
  for (let i = 0; i < pageCount; i++) {
    pageIds[i] = i;
    counts[i] = countOf(window, visitors.visitors[i]);
  }
  const visitNames: Names = { clients: clientIds, topics, pages };
  const pageNames: Names = { clients: [], topics: visitors.topics, pages: visitors.pages };
  return {
    visits: rowCount === 0 ? [] : [{ names: visitNames, rows, from: 0, to: rowCount }],
    visitors: { names: [pageNames], run: new Uint32Array(pageCount), pageIds, visitors: counts },
  };
}

function countOf(window: WindowRows, count: number): number {
  if (!(Number.isInteger(count) && count >= 0 && count <= MAX_COUNT)) {
    throw new Error(`window ending ${window.windowEnd}: a count of ${count} is not an integer in [0, 2^32)`);
  }
  return count;
}
