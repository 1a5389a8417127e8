import { Packr } from 'msgpackr';
import { partitionOfKey } from '../../hashing/murmur2';
import { bucketOf } from './partitions';
import type { WindowRows } from '../../windows/window';

/**
 * A window's shares by input partition and their merge (shared mode, docs/scale-out.md). A client
 * lives in one partition, so its rows are final in the share of that partition, and distinct clients
 * per page add up across shares.
 */

/** client_page_visits rows as parallel columns. */
export interface ClientRows {
  readonly clientIds: string[];
  readonly topics: string[];
  readonly pages: string[];
  readonly visits: number[];
}

/** Distinct clients per (topic, page), as page_unique_visitors' columns. */
export interface PageVisitors {
  readonly topics: string[];
  readonly pages: string[];
  readonly visitors: number[];
}

/** One partition's share of a window, summarised for the merge: its row of window_partials. */
export interface ShareSummary {
  readonly partition: number;
  readonly windowStart: number;
  readonly events: number;
  /**
   * The writing instance's window_ts: an event of the window, and no later than any event of the
   * partitions it wrote whole. So the smallest over all shares is the window's window_ts.
   */
  readonly minTs: number;
  readonly pages: PageVisitors;
  /** The client_page_visits buckets its rows are in, ascending. */
  readonly buckets: readonly number[];
}

/** A window merged from its shares: what page_unique_visitors and the index need, and the buckets to give statics. */
export interface MergedPartials extends Omit<WindowRows, 'clientPageVisits' | 'columns'> {
  readonly pageUniqueVisitors: PageVisitors;
  readonly buckets: readonly number[];
}

/** The window's client rows by the partition Kafka's default partitioner gives their client_id's UTF-8 bytes. */
export function splitByPartition(rows: WindowRows['clientPageVisits'], partitionCount: number): Map<number, ClientRows> {
  // A client has a row per page: hash it once.
  const partitionOf = new Map<string, number>();
  const shares = new Map<number, ClientRows>();
  for (let i = 0; i < rows.clientIds.length; i++) {
    const client = rows.clientIds[i];
    let partition = partitionOf.get(client);
    if (partition === undefined) partitionOf.set(client, (partition = partitionOfKey(Buffer.from(client, 'utf8'), partitionCount)));
    let share = shares.get(partition);
    if (share === undefined) shares.set(partition, (share = { clientIds: [], topics: [], pages: [], visits: [] }));
    share.clientIds.push(client);
    share.topics.push(rows.topics[i]);
    share.pages.push(rows.pages[i]);
    share.visits.push(rows.visits[i]);
  }
  return shares;
}

/** The summary of `share`, partition `partition`'s rows of `window`. */
export function summaryOf(window: WindowRows, partition: number, share: ClientRows): ShareSummary {
  const pages = new PageCounts();
  const buckets = new Set<number>();
  let events = 0;
  for (let i = 0; i < share.clientIds.length; i++) {
    // Rows are distinct (client, topic, page): a row is one distinct client of its page.
    pages.add(share.topics[i], share.pages[i], 1);
    buckets.add(bucketOf(share.clientIds[i]));
    events += share.visits[i];
  }
  return {
    partition,
    windowStart: window.windowStart,
    events,
    minTs: window.windowTs,
    pages: pages.columns(),
    buckets: [...buckets].sort((a, b) => a - b),
  };
}

/** The window `windowEnd` from the summaries of its shares, one per partition with rows in it. */
export function mergePartials(windowEnd: number, shares: readonly ShareSummary[]): MergedPartials {
  if (shares.length === 0) throw new Error(`window ending ${windowEnd}: no share to merge`);
  const pages = new PageCounts();
  const buckets = new Set<number>();
  let events = 0;
  let windowTs = Infinity;
  for (const share of shares) {
    const { topics, pages: names, visitors } = share.pages;
    for (let i = 0; i < topics.length; i++) pages.add(topics[i], names[i], visitors[i]);
    for (const bucket of share.buckets) buckets.add(bucket);
    events += share.events;
    windowTs = Math.min(windowTs, share.minTs);
  }
  return {
    windowStart: shares[0].windowStart,
    windowEnd,
    windowTs,
    events,
    pageUniqueVisitors: pages.columns(),
    buckets: [...buckets].sort((a, b) => a - b),
  };
}

const packr = new Packr({ useRecords: false });

/** window_partials.pages. */
export function encodePages(pages: PageVisitors): Buffer {
  return packr.pack(pages);
}

export function decodePages(blob: Uint8Array): PageVisitors {
  const pages = packr.unpack(blob) as PageVisitors;
  const columns = [pages.topics, pages.pages, pages.visitors];
  if (!columns.every(Array.isArray) || new Set(columns.map((column) => column.length)).size > 1) {
    throw new Error('a window_partials row\'s pages are not three columns of one length');
  }
  return pages;
}

/** Counts per (topic, page), in the order pages are first seen. */
class PageCounts {
  private readonly at = new Map<string, Map<string, number>>();
  private readonly topics: string[] = [];
  private readonly pages: string[] = [];
  private readonly counts: number[] = [];

  add(topic: string, page: string, count: number): void {
    let pages = this.at.get(topic);
    if (pages === undefined) this.at.set(topic, (pages = new Map()));
    const seen = pages.get(page);
    if (seen !== undefined) {
      this.counts[seen] += count;
      return;
    }
    pages.set(page, this.topics.length);
    this.topics.push(topic);
    this.pages.push(page);
    this.counts.push(count);
  }

  columns(): PageVisitors {
    return { topics: this.topics, pages: this.pages, visitors: this.counts };
  }
}
