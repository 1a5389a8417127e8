import type { Names, WindowColumns } from '../windows/window';

/**
 * The order the SQLite and Cassandra sinks write a window's rows in: that of the tables' keys after
 * window_end (client_id, topic, page; topic, page). SQLite: each insert lands just after the one
 * before, at the end of the tree, instead of at a random leaf of the window's part of it. Cassandra:
 * a batch of one partition's rows arrives in clustering order, so the node builds its update and
 * merges it into the memtable without sorting. Only a matter of speed — any order gives the same
 * table — so strings compare as JavaScript compares them (UTF-16 code units), which differs from
 * the stores' UTF-8 byte order only past U+FFFF.
 */
export class KeyOrder {
  private readonly ranks = new WeakMap<Names, Ranks>();
  /** Scratch for the counting sorts, grown as needed. */
  private counts = new Uint32Array(0);
  private byPage = new Uint32Array(0);

  /**
   * client_page_visits rows in key order, as (run, row) pairs: `runs[i]` indexes columns.visits,
   * `rows[i]` is a row number within that run's `rows` (from ≤ row < to).
   */
  visits(columns: WindowColumns): { runs: Uint32Array; rows: Uint32Array } {
    const sorted = this.visitsByRun(columns);
    if (sorted.length === 1) return { runs: new Uint32Array(sorted[0].length), rows: sorted[0] };
    return mergeRuns(columns, sorted);
  }

  /**
   * Each run's client_page_visits row numbers in key order, the runs not merged: `[run][i]` is a row
   * number within columns.visits[run]. Runs are shards, whose clients are disjoint.
   */
  visitsByRun(columns: WindowColumns): Uint32Array[] {
    return columns.visits.map((run) => this.sortRun(run.names, run.rows, run.from, run.to));
  }

  /** page_unique_visitors rows (indexes into columns.visitors) in key order: topic, then page. */
  visitors({ visitors }: WindowColumns): Uint32Array {
    const { names, run, pageIds } = visitors;
    const count = pageIds.length;
    if (names.length === 1) {
      const { pageRank } = this.ranksOf(names[0]);
      const counts = this.scratch(pageRank.length + 1);
      counts.fill(0, 0, pageRank.length + 1);
      for (let i = 0; i < count; i++) counts[pageRank[pageIds[i]] + 1]++;
      for (let b = 1; b <= pageRank.length; b++) counts[b] += counts[b - 1];
      const sorted = new Uint32Array(count);
      for (let i = 0; i < count; i++) sorted[counts[pageRank[pageIds[i]]]++] = i;
      return sorted;
    }
    return Uint32Array.from({ length: count }, (_, i) => i).sort((a, b) =>
      comparePages(names[run[a]], pageIds[a], names[run[b]], pageIds[b]),
    );
  }

  /** Row numbers of rows [from, to) by client rank, then page rank: two stable counting sorts. */
  private sortRun(names: Names, rows: Uint32Array, from: number, to: number): Uint32Array {
    const { clientRank, pageRank } = this.ranksOf(names);
    const count = to - from;
    const counts = this.scratch(Math.max(clientRank.length, pageRank.length) + 1);
    if (this.byPage.length < count) this.byPage = new Uint32Array(count);
    const byPage = this.byPage;
    counts.fill(0, 0, pageRank.length + 1);
    for (let r = from; r < to; r++) counts[pageRank[rows[3 * r + 1]] + 1]++;
    for (let b = 1; b <= pageRank.length; b++) counts[b] += counts[b - 1];
    for (let r = from; r < to; r++) byPage[counts[pageRank[rows[3 * r + 1]]]++] = r;
    counts.fill(0, 0, clientRank.length + 1);
    for (let i = 0; i < count; i++) counts[clientRank[rows[3 * byPage[i]]] + 1]++;
    for (let b = 1; b <= clientRank.length; b++) counts[b] += counts[b - 1];
    const sorted = new Uint32Array(count);
    for (let i = 0; i < count; i++) sorted[counts[clientRank[rows[3 * byPage[i]]]]++] = byPage[i];
    return sorted;
  }

  private scratch(length: number): Uint32Array {
    if (this.counts.length < length) this.counts = new Uint32Array(Math.max(length, 2 * this.counts.length));
    return this.counts;
  }

  private ranksOf(names: Names): Ranks {
    let ranks = this.ranks.get(names);
    if (ranks === undefined) this.ranks.set(names, (ranks = new Ranks()));
    ranks.update(names);
    return ranks;
  }
}

/** Merges runs sorted on their own into one order; shards own disjoint clients, so client_id alone decides. */
function mergeRuns(columns: WindowColumns, sorted: readonly Uint32Array[]): { runs: Uint32Array; rows: Uint32Array } {
  const total = sorted.reduce((sum, rows) => sum + rows.length, 0);
  const runs = new Uint32Array(total);
  const rows = new Uint32Array(total);
  const heads = sorted.map(() => 0);
  const clientOf = (run: number): string => {
    const { names, rows: ids } = columns.visits[run];
    return names.clients[ids[3 * sorted[run][heads[run]]]];
  };
  for (let out = 0; out < total; out++) {
    let best = -1;
    let bestClient = '';
    for (let run = 0; run < sorted.length; run++) {
      if (heads[run] === sorted[run].length) continue;
      const client = clientOf(run);
      if (best === -1 || client < bestClient) {
        best = run;
        bestClient = client;
      }
    }
    runs[out] = best;
    rows[out] = sorted[best][heads[best]++];
  }
  return { runs, rows };
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePages(a: Names, pageA: number, b: Names, pageB: number): number {
  return compareStrings(a.topics[pageA], b.topics[pageB]) || compareStrings(a.pages[pageA], b.pages[pageB]);
}

/**
 * Where each client and page of one shard's names falls in key order. Names only grow, so each update
 * sorts the entries added since the last one and merges them in. Clients, a hundred thousand and more,
 * compare by a number made of their first characters first (compact, and no string to read), by the
 * strings only when those are equal.
 */
class Ranks {
  clientRank: Uint32Array = new Uint32Array(0);
  pageRank: Uint32Array = new Uint32Array(0);
  private clientOrder: Uint32Array = new Uint32Array(0);
  private pageOrder: Uint32Array = new Uint32Array(0);
  private clientKeys: Float64Array = new Float64Array(0);

  update(names: Names): void {
    const { clients } = names;
    if (clients.length > this.clientOrder.length) {
      const keys = new Float64Array(clients.length);
      keys.set(this.clientKeys);
      for (let id = this.clientKeys.length; id < clients.length; id++) keys[id] = prefixKey(clients[id]);
      this.clientKeys = keys;
      [this.clientOrder, this.clientRank] = extended(this.clientOrder, clients.length, (a, b) => keys[a] - keys[b] || compareStrings(clients[a], clients[b]));
    }
    if (names.pages.length > this.pageOrder.length) {
      [this.pageOrder, this.pageRank] = extended(this.pageOrder, names.pages.length, (a, b) => comparePages(names, a, names, b));
    }
  }
}

/**
 * The first six UTF-16 code units, each capped at 255, as one number below 2^48: if a < b as strings
 * then prefixKey(a) <= prefixKey(b), so it orders what it tells apart and leaves the rest to the strings.
 */
function prefixKey(text: string): number {
  let key = 0;
  for (let i = 0; i < 6; i++) key = key * 256 + (i < text.length ? Math.min(text.charCodeAt(i), 255) : 0);
  return key;
}

/**
 * `order` (ids in key order) with ids order.length … count - 1 merged in, and every id's rank. The added
 * ids are few once a shard's names are warm: each finds its place by binary search (so the compares
 * are O(k log n), not O(n)), and the runs of `order` between them move as blocks.
 */
function extended(order: Uint32Array, count: number, compare: (a: number, b: number) => number): [Uint32Array, Uint32Array] {
  const added = Uint32Array.from({ length: count - order.length }, (_, i) => order.length + i).sort(compare);
  const merged = new Uint32Array(count);
  let from = 0;
  let to = 0;
  for (const id of added) {
    let low = from;
    let high = order.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compare(order[middle], id) <= 0) low = middle + 1;
      else high = middle;
    }
    merged.set(order.subarray(from, low), to);
    to += low - from;
    merged[to++] = id;
    from = low;
  }
  merged.set(order.subarray(from), to);
  const rank = new Uint32Array(count);
  for (let k = 0; k < count; k++) rank[merged[k]] = k;
  return [merged, rank];
}
