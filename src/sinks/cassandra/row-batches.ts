import { columnsOf, type Names, type WindowRows } from '../../windows/window';
import type { KeyOrder } from '../key-order';
import { CLIENT_BUCKETS, bucketOfBytes } from './partitions';
import { TextValues, bigintValue, intValue, textValue } from './values';

/**
 * A window's row inserts as unlogged batches, each of one partition's rows in clustering order. The
 * node then builds each batch's update without sorting it and merges it into the memtable as a run
 * after the rows before it; a whole partition in one batch is one mutation. Against batches of 500
 * rows in arrival order this took about a sixth less of the node's CPU a row
 * (docs/performance-log.md, 2026-12-06).
 */

/**
 * The most bytes of values a batch carries. A window's bucket (a sixteenth of its clients) of a few
 * thousand rows is one batch; a larger one is split, so a batch stays far below the node's 16 MiB
 * mutation and frame limits whatever the rows' lengths. Single-partition batches are exempt from
 * the node's batch size warnings.
 */
export const BATCH_BYTES = 512 * 1024;

export interface Statement {
  readonly query: string;
  readonly params: unknown[];
}

/** A statement's framing in a batch besides its values: kind, prepared id, value count, each value's length. */
function framingOf(values: number): number {
  return 1 + 2 + 16 + 2 + 4 * values;
}

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

/** One partition's statements, cut into batches of at most BATCH_BYTES of values. */
class PartitionBatches {
  readonly batches: Statement[][] = [];
  private bytes = Infinity;

  add(statement: Statement): void {
    let bytes = framingOf(statement.params.length);
    for (const param of statement.params as Buffer[]) bytes += param.length;
    if (this.bytes + bytes > BATCH_BYTES) {
      this.batches.push([]);
      this.bytes = 0;
    }
    this.batches[this.batches.length - 1].push(statement);
    this.bytes += bytes;
  }
}

/** How a window's client rows are put in order and their names encoded: kept by the sink from window to window. */
export interface RowEncoding {
  readonly order: KeyOrder;
  readonly names: NameBytes;
}

/**
 * client_page_visits inserts by bucket, each bucket's rows in key order shard by shard (shards own
 * disjoint clients, so a batch is at most one sorted run a shard, which the node merges in one pass);
 * `statics(bucket)` is the bucket's first statement when given. Empty buckets have no batch.
 */
export function visitBatchesByBucket(
  cql: { readonly insertVisits: string },
  window: WindowRows,
  values: RowValues,
  encoding: RowEncoding,
  statics?: (bucket: number) => Statement,
): Statement[][] {
  const columns = columnsOf(window);
  const { end, buckets } = values;
  const byBucket: (PartitionBatches | undefined)[] = new Array(CLIENT_BUCKETS);
  encoding.order.visitsByRun(columns).forEach((inOrder, r) => {
    const { names, rows } = columns.visits[r];
    for (let i = 0; i < inOrder.length; i++) {
      const row = 3 * inOrder[i];
      const page = rows[row + 1];
      const client = textValue(names.clients[rows[row]]);
      const bucket = bucketOfBytes(client);
      let partition = byBucket[bucket];
      if (partition === undefined) {
        byBucket[bucket] = partition = new PartitionBatches();
        if (statics !== undefined) partition.add(statics(bucket));
      }
      const params = [end, buckets[bucket], client, encoding.names.topic(names, page), encoding.names.page(names, page), intValue(rows[row + 2])];
      partition.add({ query: cql.insertVisits, params });
    }
  });
  return byBucket.flatMap((partition) => partition?.batches ?? []);
}

/** page_unique_visitors inserts in clustering order (topic, visitors descending, page), the statics first. */
export function visitorBatches(
  cql: { readonly insertVisitors: string; readonly insertVisitorsStatic: string },
  window: Omit<WindowRows, 'clientPageVisits' | 'columns'>, values: RowValues): Statement[][] {
  const { topics, pages, visitors } = window.pageUniqueVisitors;
  const inOrder = Array.from(topics, (_, i) => i).sort((a, b) =>
    compareText(topics[a], topics[b]) || visitors[b] - visitors[a] || compareText(pages[a], pages[b]));
  const partition = new PartitionBatches();
  if (inOrder.length > 0) partition.add({ query: cql.insertVisitorsStatic, params: [values.end, values.start, values.ts] });
  for (const i of inOrder) {
    partition.add({ query: cql.insertVisitors, params: [values.end, values.names.of(topics[i]), values.names.of(pages[i]), intValue(visitors[i])] });
  }
  return partition.batches;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
