import { decodeEmission, WINDOW_FIELDS, type DictionaryDelta, type ShardEmission } from '../wire/emission';
import type { WindowRows } from '../windows/window';

/** The writer's copy of one shard's dictionary; arrays are replaced on reset, so older views stay valid. */
class ShardMirror {
  clients: string[] = [];
  topics: string[] = [];
  pages: string[] = [];

  apply(delta: DictionaryDelta): void {
    if (delta.reset) {
      this.clients = [];
      this.topics = [];
      this.pages = [];
    }
    for (const client of delta.clients) this.clients.push(client);
    for (let i = 0; i < delta.pages.length; i++) {
      this.topics.push(delta.topics[i]);
      this.pages.push(delta.pages[i]);
    }
  }
}

/** One shard's share of one window: ranges of its emission, names from its mirror at the time. */
interface ShardSlice {
  readonly emission: ShardEmission;
  readonly clients: readonly string[];
  readonly topics: readonly string[];
  readonly pages: readonly string[];
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
 * rows just concatenate — and are only turned into strings when a sink reads them — while a page's
 * distinct visitors are the sum over shards.
 */
export class WindowMerger {
  private readonly mirrors: ShardMirror[] = [];

  /** `parts[shard]` is that shard's encoded emission of one close. */
  merge(parts: readonly Uint8Array[]): MergedWindow[] {
    const byEnd = new Map<number, ShardSlice[]>();
    parts.forEach((part, shard) => {
      const emission = decodeEmission(part);
      const mirror = (this.mirrors[shard] ??= new ShardMirror());
      mirror.apply(emission.dictionary);
      let pageFrom = 0;
      let rowFrom = 0;
      for (let w = 0; w < emission.windows.length; w += WINDOW_FIELDS) {
        const [windowStart, windowEnd, minEventTime, events, pageCount, rowCount] = emission.windows.subarray(w, w + WINDOW_FIELDS);
        const slice: ShardSlice = {
          emission,
          clients: mirror.clients,
          topics: mirror.topics,
          pages: mirror.pages,
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
  private visits: WindowRows['clientPageVisits'] | null = null;
  private visitors: WindowRows['pageUniqueVisitors'] | null = null;

  constructor(
    readonly windowEnd: number,
    private readonly slices: readonly ShardSlice[],
  ) {
    this.windowStart = slices[0].windowStart;
    this.windowTs = Math.min(...slices.map((s) => s.minEventTime));
    this.events = slices.reduce((sum, s) => sum + s.events, 0);
  }

  /** Rows of client_page_visits, without building them. */
  clientRowCount(): number {
    return this.slices.reduce((sum, s) => sum + s.rowTo - s.rowFrom, 0);
  }

  get clientPageVisits(): WindowRows['clientPageVisits'] {
    return (this.visits ??= clientPageVisitsOf(this.slices));
  }

  get pageUniqueVisitors(): WindowRows['pageUniqueVisitors'] {
    return (this.visitors ??= pageUniqueVisitorsOf(this.slices));
  }
}

function clientPageVisitsOf(slices: readonly ShardSlice[]): WindowRows['clientPageVisits'] {
  const visits = { clientIds: [] as string[], topics: [] as string[], pages: [] as string[], visits: [] as number[] };
  for (const { emission, clients, topics, pages, rowFrom, rowTo } of slices) {
    const rows = emission.rows;
    for (let r = rowFrom * 3; r < rowTo * 3; r += 3) {
      visits.clientIds.push(clients[rows[r]]);
      visits.topics.push(topics[rows[r + 1]]);
      visits.pages.push(pages[rows[r + 1]]);
      visits.visits.push(rows[r + 2]);
    }
  }
  return visits;
}

function pageUniqueVisitorsOf(slices: readonly ShardSlice[]): WindowRows['pageUniqueVisitors'] {
  const byTopic = new Map<string, Map<string, number>>();
  for (const { emission, topics, pages, pageFrom, pageTo } of slices) {
    const counts = emission.pages;
    for (let p = pageFrom * 2; p < pageTo * 2; p += 2) {
      const topic = topics[counts[p]];
      let byPage = byTopic.get(topic);
      if (byPage === undefined) byTopic.set(topic, (byPage = new Map()));
      const page = pages[counts[p]];
      byPage.set(page, (byPage.get(page) ?? 0) + counts[p + 1]);
    }
  }
  const visitors = { topics: [] as string[], pages: [] as string[], visitors: [] as number[] };
  for (const [topic, byPage] of byTopic) {
    for (const [page, count] of byPage) {
      visitors.topics.push(topic);
      visitors.pages.push(page);
      visitors.visitors.push(count);
    }
  }
  return visitors;
}
