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
  /** Page id of `names` → its number in the merger's PageNumbers; filled up to the names' pages by `number`. */
  pageNumbers: number[] = [];

  /** Takes in the delta; true if it began a new generation of names. */
  apply(delta: DictionaryDelta): boolean {
    const renewed = delta.stores !== null;
    if (renewed) this.names = new SharedNames(delta.stores!);
    if (this.names === null) throw new Error('a shard\'s first emission did not say where its names are');
    this.names.grow(delta);
    return renewed;
  }

  /** Numbers the pages that arrived since the last call. */
  number(numbers: PageNumbers): void {
    const { topics, pages } = this.names!;
    for (let id = this.pageNumbers.length; id < pages.length; id++) this.pageNumbers.push(numbers.of(topics[id], pages[id]));
  }
}

/**
 * One number for each (topic, page) of the shards' names, whichever shard's ids name it, so a window's
 * pages merge across shards by array index instead of by string. It numbers only what the mirrors hold:
 * a new generation of any shard's names starts it afresh, so pages that left every dictionary leave it.
 */
class PageNumbers {
  private readonly byTopic = new Map<string, { readonly topic: number; readonly pages: Map<string, number> }>();
  /** Page number → its topic's number. */
  readonly topicOf: number[] = [];
  /** Per page number: the window that saw it last (a stamp), and its row in that window. */
  seenIn = new Float64Array(0);
  rowOf = new Uint32Array(0);
  /** Per topic number: the window that saw it last, and its rows in that window. */
  readonly topicSeenIn: number[] = [];
  readonly topicRows: number[][] = [];
  private window = 0;

  of(topic: string, page: string): number {
    let numbered = this.byTopic.get(topic);
    if (numbered === undefined) {
      this.byTopic.set(topic, (numbered = { topic: this.byTopic.size, pages: new Map() }));
      this.topicSeenIn.push(0);
      this.topicRows.push([]);
    }
    let number = numbered.pages.get(page);
    if (number === undefined) {
      numbered.pages.set(page, (number = this.topicOf.length));
      this.topicOf.push(numbered.topic);
    }
    return number;
  }

  /** A stamp for the next window's pages; the per-page marks of earlier windows are then stale. */
  nextWindow(): number {
    if (this.seenIn.length < this.topicOf.length) {
      const size = Math.max(this.topicOf.length, 2 * this.seenIn.length);
      this.seenIn = new Float64Array(size);
      this.rowOf = new Uint32Array(size);
    }
    return ++this.window;
  }
}

/** One shard's share of one window: ranges of its emission, names from its mirror at the time. */
interface ShardSlice {
  readonly emission: ShardEmission;
  readonly names: Names;
  /** The mirror's page numbers: `pageNumbers[pageId]`. */
  readonly pageNumbers: readonly number[];
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
  private pageNumbers = new PageNumbers();

  /** `parts[shard]` is that shard's encoded emission of one close. */
  merge(parts: readonly EmissionPart[]): MergedWindow[] {
    const emissions = parts.map(decodeEmission);
    let renewed = false;
    emissions.forEach((emission, shard) => {
      if ((this.mirrors[shard] ??= new ShardMirror()).apply(emission.dictionary)) renewed = true;
    });
    if (renewed) {
      this.pageNumbers = new PageNumbers();
      for (const mirror of this.mirrors) mirror.pageNumbers = [];
    }
    for (const mirror of this.mirrors) mirror.number(this.pageNumbers);
    const byEnd = new Map<number, ShardSlice[]>();
    emissions.forEach((emission, shard) => {
      const { names, pageNumbers } = this.mirrors[shard];
      let pageFrom = 0;
      let rowFrom = 0;
      for (let w = 0; w < emission.windows.length; w += WINDOW_FIELDS) {
        const [windowStart, windowEnd, minEventTime, events, pageCount, rowCount] = emission.windows.subarray(w, w + WINDOW_FIELDS);
        const slice: ShardSlice = {
          emission,
          names: names!,
          pageNumbers,
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
    return [...byEnd.keys()].sort((a, b) => a - b).map((end) => new MergedWindow(end, byEnd.get(end)!, this.pageNumbers));
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
    numbers: PageNumbers,
  ) {
    this.windowStart = slices[0].windowStart;
    this.windowTs = Math.min(...slices.map((s) => s.minEventTime));
    this.events = slices.reduce((sum, s) => sum + s.events, 0);
    this.columns = { visits: visitRunsOf(slices), visitors: visitorsOf(slices, numbers) };
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

/**
 * page_unique_visitors as ids: grouped by topic in the order topics are first seen, within a topic in
 * the order pages are first seen (shard by shard), a page's visitors summed over shards.
 */
function visitorsOf(slices: readonly ShardSlice[], numbers: PageNumbers): WindowColumns['visitors'] {
  const window = numbers.nextWindow();
  const { topicOf, seenIn, rowOf, topicSeenIn, topicRows } = numbers;
  let most = 0;
  for (const { pageFrom, pageTo } of slices) most += pageTo - pageFrom;
  // Rows as first seen, then put in topic order: typed arrays filled by index, not mapped (a mapping
  // Uint32Array.from calls back per element).
  const run = new Uint32Array(most);
  const pageIds = new Uint32Array(most);
  const visitors = new Uint32Array(most);
  const topicOrder: number[] = [];
  let rows = 0;
  slices.forEach(({ emission, pageNumbers, pageFrom, pageTo }, s) => {
    const counts = emission.pages;
    for (let p = pageFrom * 2; p < pageTo * 2; p += 2) {
      const pageId = counts[p];
      const number = pageNumbers[pageId];
      if (seenIn[number] === window) {
        visitors[rowOf[number]] += counts[p + 1];
        continue;
      }
      seenIn[number] = window;
      rowOf[number] = rows;
      const topic = topicOf[number];
      if (topicSeenIn[topic] !== window) {
        topicSeenIn[topic] = window;
        topicRows[topic].length = 0;
        topicOrder.push(topic);
      }
      topicRows[topic].push(rows);
      run[rows] = s;
      pageIds[rows] = pageId;
      visitors[rows] = counts[p + 1];
      rows++;
    }
  });
  const ordered = { run: new Uint32Array(rows), pageIds: new Uint32Array(rows), visitors: new Uint32Array(rows) };
  let i = 0;
  for (const topic of topicOrder) {
    for (const row of topicRows[topic]) {
      ordered.run[i] = run[row];
      ordered.pageIds[i] = pageIds[row];
      ordered.visitors[i] = visitors[row];
      i++;
    }
  }
  return { names: slices.map((s) => s.names), ...ordered };
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
