import { decodeEmission, WINDOW_FIELDS, type DictionaryDelta, type EmissionPart, type ShardEmission } from '../wire/emission';
import type { Names, VisitRun, WindowColumns, WindowRows } from '../windows/window';
import { SharedNames } from './shared-names';

/**
 * The writer's view of one shard's dictionary. A reset brings a new generation of stores and so a new
 * `names` object: windows merged earlier keep theirs, and what a sink cached by the old object is
 * never used for new ids.
 */
class ShardMirror {
  names: SharedNames | null = null;

  apply(delta: DictionaryDelta): SharedNames {
    if (delta.stores !== null) this.names = new SharedNames(delta.stores);
    if (this.names === null) throw new Error('a shard\'s first emission did not say where its names are');
    this.names.grow(delta);
    return this.names;
  }
}

/** One shard's share of one window: ranges of its emission, names from its mirror at the time. */
interface ShardSlice {
  readonly emission: ShardEmission;
  readonly names: Names;
  readonly pageFrom: number;
  readonly pageTo: number;
  readonly rowFrom: number;
  readonly rowTo: number;
  readonly minEventTime: number;
  readonly events: number;
  readonly windowStart: number;
}

/**
 * Combines every shard's share of each window into one window. Shards own disjoint clients, so client
 * rows just concatenate — and stay ids into the shards' names until a sink reads them — while a page's
 * distinct visitors are the sum over shards.
 */
export class WindowMerger {
  private readonly mirrors: ShardMirror[] = [];

  /** `parts[shard]` is that shard's encoded emission of one close. */
  merge(parts: readonly EmissionPart[]): MergedWindow[] {
    const byEnd = new Map<number, ShardSlice[]>();
    parts.forEach((part, shard) => {
      const emission = decodeEmission(part);
      const names = (this.mirrors[shard] ??= new ShardMirror()).apply(emission.dictionary);
      let pageFrom = 0;
      let rowFrom = 0;
      for (let w = 0; w < emission.windows.length; w += WINDOW_FIELDS) {
        const [windowStart, windowEnd, minEventTime, events, pageCount, rowCount] = emission.windows.subarray(w, w + WINDOW_FIELDS);
        const slice: ShardSlice = {
          emission,
          names,
          pageFrom,
          pageTo: pageFrom + pageCount,
          rowFrom,
          rowTo: rowFrom + rowCount,
          minEventTime,
          events,
          windowStart,
        };
        pageFrom += pageCount;
        rowFrom += rowCount;
        const group = byEnd.get(windowEnd);
        if (group === undefined) byEnd.set(windowEnd, [slice]);
        else group.push(slice);
      }
    });
    return [...byEnd.keys()].sort((a, b) => a - b).map((end) => new MergedWindow(end, byEnd.get(end)!));
  }
}

export class MergedWindow implements WindowRows {
  readonly windowStart: number;
  readonly windowTs: number;
  readonly events: number;
  readonly columns: WindowColumns;
  private visits: WindowRows['clientPageVisits'] | null = null;
  private visitors: WindowRows['pageUniqueVisitors'] | null = null;

  constructor(
    readonly windowEnd: number,
    slices: readonly ShardSlice[],
  ) {
    this.windowStart = slices[0].windowStart;
    this.windowTs = Math.min(...slices.map((s) => s.minEventTime));
    this.events = slices.reduce((sum, s) => sum + s.events, 0);
    this.columns = { visits: visitRunsOf(slices), visitors: visitorsOf(slices) };
  }

  /** Rows of client_page_visits, without building them. */
  clientRowCount(): number {
    return this.columns.visits.reduce((sum, run) => sum + run.to - run.from, 0);
  }

  /** Rows of page_unique_visitors, without building them. */
  pageRowCount(): number {
    return this.columns.visitors.pageIds.length;
  }

  get clientPageVisits(): WindowRows['clientPageVisits'] {
    return (this.visits ??= clientPageVisitsOf(this.columns));
  }

  get pageUniqueVisitors(): WindowRows['pageUniqueVisitors'] {
    return (this.visitors ??= pageUniqueVisitorsOf(this.columns));
  }
}

function visitRunsOf(slices: readonly ShardSlice[]): VisitRun[] {
  return slices
    .filter((s) => s.rowTo > s.rowFrom)
    .map(({ emission, names, rowFrom, rowTo }) => ({ names, rows: emission.rows, from: rowFrom, to: rowTo }));
}

interface TopicPages {
  /** Indexes into the merged page arrays, in the order first seen. */
  readonly entries: number[];
  /** page → its index, once a second shard could bring the same page again. */
  readonly byPage: Map<string, number> | null;
}

/**
 * page_unique_visitors as ids: grouped by topic in the order topics are first seen, within a topic in
 * the order pages are first seen (shard by shard), a page's visitors summed over shards.
 */
function visitorsOf(slices: readonly ShardSlice[]): WindowColumns['visitors'] {
  // A shard lists each of its pages once, so with one shard no page can come twice.
  const dedupe = slices.length > 1;
  const byTopic = new Map<string, TopicPages>();
  const run: number[] = [];
  const pageIds: number[] = [];
  const visitors: number[] = [];
  slices.forEach(({ emission, names, pageFrom, pageTo }, s) => {
    const counts = emission.pages;
    for (let p = pageFrom * 2; p < pageTo * 2; p += 2) {
      const pageId = counts[p];
      const topic = names.topics[pageId];
      let pages = byTopic.get(topic);
      if (pages === undefined) byTopic.set(topic, (pages = { entries: [], byPage: dedupe ? new Map() : null }));
      const page = names.pages[pageId];
      const seen = pages.byPage?.get(page);
      if (seen !== undefined) {
        visitors[seen] += counts[p + 1];
        continue;
      }
      pages.byPage?.set(page, run.length);
      pages.entries.push(run.length);
      run.push(s);
      pageIds.push(pageId);
      visitors.push(counts[p + 1]);
    }
  });
  const order: number[] = [];
  for (const { entries } of byTopic.values()) for (const entry of entries) order.push(entry);
  return {
    names: slices.map((s) => s.names),
    run: Uint32Array.from(order, (i) => run[i]),
    pageIds: Uint32Array.from(order, (i) => pageIds[i]),
    visitors: Uint32Array.from(order, (i) => visitors[i]),
  };
}

function clientPageVisitsOf({ visits: runs }: WindowColumns): WindowRows['clientPageVisits'] {
  const visits = { clientIds: [] as string[], topics: [] as string[], pages: [] as string[], visits: [] as number[] };
  for (const { names, rows, from, to } of runs) {
    const { clients, topics, pages } = names;
    for (let r = from * 3; r < to * 3; r += 3) {
      visits.clientIds.push(clients[rows[r]]);
      visits.topics.push(topics[rows[r + 1]]);
      visits.pages.push(pages[rows[r + 1]]);
      visits.visits.push(rows[r + 2]);
    }
  }
  return visits;
}

function pageUniqueVisitorsOf({ visitors: columns }: WindowColumns): WindowRows['pageUniqueVisitors'] {
  const { names, run, pageIds } = columns;
  const topics: string[] = [];
  const pages: string[] = [];
  for (let i = 0; i < pageIds.length; i++) {
    topics.push(names[run[i]].topics[pageIds[i]]);
    pages.push(names[run[i]].pages[pageIds[i]]);
  }
  return { topics, pages, visitors: Array.from(columns.visitors) };
}
