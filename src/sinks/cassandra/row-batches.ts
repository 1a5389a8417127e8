import { columnsOf, type Names, type WindowRows } from '../../windows/window';
import type { KeyOrder } from '../key-order';
import { CLIENT_BUCKETS } from './partitions';
import { type EncodedRows, PartitionBatches, type PreparedIds, type Statement, scratchHash, scratchText } from './statement-bytes';
import { TextValues, bigintValue, intValue, textValue } from './values';

/**
 * A window's row inserts as unlogged batches, each of one partition's rows in clustering order. The
 * node then builds each batch's update without sorting it and merges it into the memtable as a run
 * after the rows before it; a whole partition in one batch is one mutation. Against batches of 500
 * rows in arrival order this took about a sixth less of the node's CPU a row
 * (docs/performance-log.md, 2026-12-06).
 */

/** The values a window's row inserts share, in wire form (values.ts). */
export class RowValues {
  readonly end: Buffer;
  readonly start: Buffer;
  readonly ts: Buffer;
  readonly buckets = Array.from({ length: CLIENT_BUCKETS }, (_, bucket) => intValue(bucket));
  readonly names = new TextValues();

  constructor(window: { readonly windowStart: number; readonly windowEnd: number; readonly windowTs: number }) {
    this.end = bigintValue(window.windowEnd);
    this.start = bigintValue(window.windowStart);
    this.ts = bigintValue(window.windowTs);
  }
}

/**
 * The UTF-8 bytes of the writer's topic and page names, each encoded once and kept while its names
 * are (a shard's names grow; a reset starts a new object), instead of looked up by text in every row.
 */
export class NameBytes {
  private readonly byNames = new WeakMap<Names, { topics: Buffer[]; pages: Buffer[] }>();

  topic(names: Names, page: number): Buffer {
    const { topics } = this.of(names);
    return (topics[page] ??= textValue(names.topics[page]));
  }

  page(names: Names, page: number): Buffer {
    const { pages } = this.of(names);
    return (pages[page] ??= textValue(names.pages[page]));
  }

  private of(names: Names): { topics: Buffer[]; pages: Buffer[] } {
    let bytes = this.byNames.get(names);
    if (bytes === undefined) this.byNames.set(names, (bytes = { topics: [], pages: [] }));
    return bytes;
  }
}

/** How a window's rows are put in order and encoded: kept by the sink from window to window. */
export interface RowEncoding {
  readonly order: KeyOrder;
  readonly names: NameBytes;
  /** The prepared ids of the row inserts (the sink prepares them when it opens). */
  readonly ids: PreparedIds;
}

/**
 * client_page_visits inserts by bucket, each bucket's rows in key order shard by shard (shards own
 * disjoint clients, so a batch is at most one sorted run a shard, which the node merges in one pass);
 * with `statics`, the bucket's window_start and window_ts first. Empty buckets have no batch.
 */
export function visitBatchesByBucket(
  cql: { readonly insertVisits: string; readonly insertVisitsStatic: string },
  window: WindowRows,
  values: RowValues,
  encoding: RowEncoding,
  statics: boolean,
): EncodedRows[] {
  const columns = columnsOf(window);
  const { end, buckets } = values;
  const byBucket: (PartitionBatches | undefined)[] = new Array(CLIENT_BUCKETS);
  encoding.order.visitsByRun(columns).forEach((inOrder, r) => {
    const { names, rows } = columns.visits[r];
    for (let i = 0; i < inOrder.length; i++) {
      const row = 3 * inOrder[i];
      const page = rows[row + 1];
      const clientLength = scratchText(names.clients[rows[row]]);
      const bucket = scratchHash(clientLength) % CLIENT_BUCKETS;
      let partition = byBucket[bucket];
      if (partition === undefined) {
        byBucket[bucket] = partition = new PartitionBatches(encoding.ids, { query: cql.insertVisits, params: [end, buckets[bucket]] });
        if (statics) partition.add(visitsStatics(cql, values, bucket));
      }
      partition.begin(cql.insertVisits, 6);
      partition.value(end);
      partition.value(buckets[bucket]);
      partition.scratchValue(clientLength);
      partition.value(encoding.names.topic(names, page));
      partition.value(encoding.names.page(names, page));
      partition.value(intValue(rows[row + 2]));
      partition.end();
    }
  });
  return byBucket.flatMap((partition) => partition?.finish() ?? []);
}

/** A client_page_visits partition's static columns: the window's start and window_ts. */
export function visitsStatics(cql: { readonly insertVisitsStatic: string }, values: RowValues, bucket: number): Statement {
  return { query: cql.insertVisitsStatic, params: [values.end, values.buckets[bucket], values.start, values.ts] };
}

/** page_unique_visitors inserts in clustering order (topic, visitors descending, page), the statics first. */
export function visitorBatches(
  cql: { readonly insertVisitors: string; readonly insertVisitorsStatic: string },
  window: Omit<WindowRows, 'clientPageVisits' | 'columns'>,
  values: RowValues,
  ids: PreparedIds,
): EncodedRows[] {
  const { topics, pages, visitors } = window.pageUniqueVisitors;
  if (topics.length === 0) return [];
  const inOrder = Array.from(topics, (_, i) => i).sort((a, b) =>
    compareText(topics[a], topics[b]) || visitors[b] - visitors[a] || compareText(pages[a], pages[b]));
  const partition = new PartitionBatches(ids, { query: cql.insertVisitors, params: [values.end] });
  partition.add({ query: cql.insertVisitorsStatic, params: [values.end, values.start, values.ts] });
  for (const i of inOrder) {
    partition.begin(cql.insertVisitors, 4);
    partition.value(values.end);
    partition.value(values.names.of(topics[i]));
    partition.value(values.names.of(pages[i]));
    partition.value(intValue(visitors[i]));
    partition.end();
  }
  return partition.finish();
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
