import { Packr } from 'msgpackr';
import type { Combiner } from '../aggregation/pane';
import type { DictionaryDelta } from '../aggregation/dictionary';

/** A closed window of one shard, before encoding. */
export interface ShardWindow {
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly window: Combiner;
}

/**
 * One shard's output of one close, decoded: its dictionary delta and, per window, rows as ids.
 * On the wire it is one ArrayBuffer (transferred, not cloned): a header, the window meta as float64,
 * pages and rows as uint32, and the dictionary delta as msgpack.
 */
export interface ShardEmission {
  readonly dictionary: DictionaryDelta;
  /** Per window: windowStart, windowEnd, minEventTime, events, pageCount, rowCount. */
  readonly windows: Float64Array;
  /** Per window, per page: pageId, visitors (this shard's clients only; shards' counts add up). */
  readonly pages: Uint32Array;
  /** Per window, per row: clientId, pageId, visits. */
  readonly rows: Uint32Array;
}

export const WINDOW_FIELDS = 6;
const HEADER_WORDS = 4;
const packr = new Packr({ useRecords: false });

export function encodeEmission(dictionary: DictionaryDelta, windows: readonly ShardWindow[]): Uint8Array<ArrayBuffer> {
  let pageCount = 0;
  let rowCount = 0;
  for (const { window } of windows) {
    pageCount += window.pages.size;
    for (const clients of window.pages.values()) rowCount += clients.size;
  }
  const names = packr.pack(dictionary);
  const metaBytes = windows.length * WINDOW_FIELDS * 8;
  const pagesAt = HEADER_WORDS * 4 + metaBytes;
  const rowsAt = pagesAt + pageCount * 8;
  const namesAt = rowsAt + rowCount * 12;
  const buffer = new ArrayBuffer(namesAt + names.length);
  new Uint32Array(buffer, 0, HEADER_WORDS).set([windows.length, pageCount, rowCount, names.length]);
  const meta = new Float64Array(buffer, HEADER_WORDS * 4, windows.length * WINDOW_FIELDS);
  const pages = new Uint32Array(buffer, pagesAt, pageCount * 2);
  const rows = new Uint32Array(buffer, rowsAt, rowCount * 3);
  new Uint8Array(buffer, namesAt).set(names);
  let p = 0;
  let r = 0;
  windows.forEach(({ windowStart, windowEnd, window }, w) => {
    const rowsBefore = r;
    for (const [pageId, clients] of window.pages) {
      pages[p++] = pageId;
      pages[p++] = clients.size;
      for (const [clientId, visits] of clients) {
        rows[r++] = clientId;
        rows[r++] = pageId;
        rows[r++] = visits;
      }
    }
    meta.set([windowStart, windowEnd, window.minEventTime, window.events, window.pages.size, (r - rowsBefore) / 3], w * WINDOW_FIELDS);
  });
  return new Uint8Array(buffer);
}

export function decodeEmission(bytes: Uint8Array): ShardEmission {
  const { buffer, byteOffset } = bytes;
  const [windowCount, pageCount, rowCount, namesLength] = new Uint32Array(buffer, byteOffset, HEADER_WORDS);
  const metaAt = byteOffset + HEADER_WORDS * 4;
  const pagesAt = metaAt + windowCount * WINDOW_FIELDS * 8;
  const rowsAt = pagesAt + pageCount * 8;
  const namesAt = rowsAt + rowCount * 12;
  return {
    windows: new Float64Array(buffer, metaAt, windowCount * WINDOW_FIELDS),
    pages: new Uint32Array(buffer, pagesAt, pageCount * 2),
    rows: new Uint32Array(buffer, rowsAt, rowCount * 3),
    dictionary: packr.unpack(new Uint8Array(buffer, namesAt, namesLength)) as DictionaryDelta,
  };
}
