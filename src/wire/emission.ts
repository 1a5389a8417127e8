import { Packr } from 'msgpackr';

/**
 * The names a shard interned since its last emission; ids in the rows index the receiver's copy.
 * With `reset`, the receiver drops its copy first (the shard started its dictionary over).
 */
export interface DictionaryDelta {
  readonly reset: boolean;
  readonly clients: string[];
  readonly topics: string[];
  readonly pages: string[];
}

/** A window's entries as columns: entry e is `visits[e]` visits of client `clientIds[e]` to page `pageIds[e]`. */
export interface WindowColumns {
  readonly events: number;
  readonly minEventTime: number;
  readonly size: number;
  readonly pageIds: Uint32Array;
  readonly clientIds: Uint32Array;
  readonly visits: Uint32Array;
}

/** A closed window of one shard, before encoding. */
export interface ShardWindow {
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly window: WindowColumns;
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

/**
 * Encodes into `spare` when it is large enough: emissions of one job are of much the same size, and a
 * buffer that comes back from the writer saves the tens of MB a close would otherwise allocate in one
 * thread and free in another, which glibc keeps rather than returns.
 */
export function encodeEmission(
  dictionary: DictionaryDelta,
  windows: readonly ShardWindow[],
  spare: ArrayBuffer | null = null,
): Uint8Array<ArrayBuffer> {
  const pagesOfWindows = windows.map(({ window }) => visitorsByPage(window));
  const pageCount = pagesOfWindows.reduce((sum, pages) => sum + pages.length / 2, 0);
  const rowCount = windows.reduce((sum, { window }) => sum + window.size, 0);
  const names = packr.pack(dictionary);
  const metaBytes = windows.length * WINDOW_FIELDS * 8;
  const pagesAt = HEADER_WORDS * 4 + metaBytes;
  const rowsAt = pagesAt + pageCount * 8;
  const namesAt = rowsAt + rowCount * 12;
  const byteLength = namesAt + names.length;
  const buffer = spare !== null && spare.byteLength >= byteLength ? spare : new ArrayBuffer(withHeadroom(byteLength));
  new Uint32Array(buffer, 0, HEADER_WORDS).set([windows.length, pageCount, rowCount, names.length]);
  const meta = new Float64Array(buffer, HEADER_WORDS * 4, windows.length * WINDOW_FIELDS);
  const pages = new Uint32Array(buffer, pagesAt, pageCount * 2);
  const rows = new Uint32Array(buffer, rowsAt, rowCount * 3);
  new Uint8Array(buffer, namesAt).set(names);
  let p = 0;
  let r = 0;
  windows.forEach(({ windowStart, windowEnd, window }, w) => {
    pages.set(pagesOfWindows[w], p);
    p += pagesOfWindows[w].length;
    const { pageIds, clientIds, visits } = window;
    for (let e = 0; e < window.size; e++) {
      rows[r++] = clientIds[e];
      rows[r++] = pageIds[e];
      rows[r++] = visits[e];
    }
    meta.set([windowStart, windowEnd, window.minEventTime, window.events, pagesOfWindows[w].length / 2, window.size], w * WINDOW_FIELDS);
  });
  return new Uint8Array(buffer, 0, byteLength);
}

/** A new buffer has room for an eighth more, so the next, slightly larger close still fits it. */
function withHeadroom(byteLength: number): number {
  return byteLength + (byteLength >>> 3);
}

/** Scratch for visitorsByPage: per page id, its entries so far; all zero between calls. */
let entriesOfPage = new Uint32Array(1 << 12);

/** pageId, visitors pairs of the window, pages in the order first seen: a page's visitors are its entries. */
function visitorsByPage(window: WindowColumns): Uint32Array {
  const seen: number[] = [];
  const { pageIds } = window;
  for (let e = 0; e < window.size; e++) {
    const pageId = pageIds[e];
    if (pageId >= entriesOfPage.length) {
      const grown = new Uint32Array(Math.max(2 * entriesOfPage.length, pageId + 1));
      grown.set(entriesOfPage);
      entriesOfPage = grown;
    }
    if (entriesOfPage[pageId]++ === 0) seen.push(pageId);
  }
  const pairs = new Uint32Array(2 * seen.length);
  seen.forEach((pageId, i) => {
    pairs[2 * i] = pageId;
    pairs[2 * i + 1] = entriesOfPage[pageId];
    entriesOfPage[pageId] = 0;
  });
  return pairs;
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
