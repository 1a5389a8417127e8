import { resizedOrNew } from './growable';
import type { KeyStore } from './key-store';

/** Where a shard's names are, and how many it holds now. */
export interface DictionaryDelta {
  /**
   * Set on the shard's first emission and after it started its dictionary over: the stores its ids
   * index from now on. The receiver drops its mirror and reads these (they are shared, not copied).
   */
  readonly stores: { readonly clients: KeyStore; readonly pages: KeyStore } | null;
  /** Client_ids and (topic, page) pairs in the stores as of this emission. */
  readonly clients: number;
  readonly pages: number;
}

/** A closed window of one shard, as the encoder takes it: its rows are written straight into the emission. */
export interface EncodableWindow {
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly events: number;
  readonly minEventTime: number;
  /** Its client_page_visits rows. */
  readonly rowCount: number;
  /** Distinct page ids among its rows. */
  readonly pageCount: number;
  /** Writes the rows, three uint32 each (client id, page id, visits), into `rows` from index `at`. */
  writeRows(rows: Uint32Array, at: number): void;
}

/**
 * One shard's output of one close as it crosses threads: the rows in one ArrayBuffer (transferred,
 * not cloned) and, after a reset, the stores of its names (shared).
 */
export interface EmissionPart {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly stores: DictionaryDelta['stores'];
}

/**
 * One shard's output of one close, decoded. The bytes: a header, the window meta as float64, rows and
 * pages as uint32.
 */
export interface ShardEmission {
  readonly dictionary: DictionaryDelta;
  /** Per window: windowStart, windowEnd, minEventTime, events, pageCount, rowCount. */
  readonly windows: Float64Array;
  /** Per window, per row: clientId, pageId, visits. */
  readonly rows: Uint32Array;
  /** Per window, per page: pageId, visitors (this shard's clients only; shards' counts add up). */
  readonly pages: Uint32Array;
}

export const WINDOW_FIELDS = 6;
/** windowCount, pageCount, rowCount, client names, page names, the emission's pool and number, and a word to align the float64s. */
const HEADER_WORDS = 8;
const POOL_WORD = 5;
const NUMBER_WORD = 6;

/** Which emission of a shard a buffer holds: its pool of workers, and its number there (from 1, a close each). */
export interface EmissionNumber {
  readonly pool: number;
  readonly number: number;
}

/**
 * Encodes into `spare`, resized, when it can be (see resizedOrNew): a buffer that comes back from the
 * writer saves the tens of MB a close would otherwise allocate in one thread and free in another,
 * which glibc keeps rather than returns.
 */
export function encodeEmission(
  dictionary: DictionaryDelta,
  windows: readonly EncodableWindow[],
  spare: ArrayBuffer | null = null,
  { pool, number }: EmissionNumber = { pool: 0, number: 0 },
): EmissionPart {
  let rowCount = 0;
  let pageCount = 0;
  for (const window of windows) {
    rowCount += window.rowCount;
    pageCount += window.pageCount;
  }
  const rowsAt = (HEADER_WORDS + 2 * WINDOW_FIELDS * windows.length) * 4;
  const pagesAt = rowsAt + rowCount * 12;
  const byteLength = pagesAt + pageCount * 8;
  const buffer = resizedOrNew(spare, byteLength);
  const header = new Uint32Array(buffer, 0, HEADER_WORDS);
  header[0] = windows.length;
  header[1] = pageCount;
  header[2] = rowCount;
  header[3] = dictionary.clients;
  header[4] = dictionary.pages;
  header[POOL_WORD] = pool;
  header[NUMBER_WORD] = number;
  const meta = new Float64Array(buffer, HEADER_WORDS * 4, windows.length * WINDOW_FIELDS);
  const rows = new Uint32Array(buffer, rowsAt, rowCount * 3);
  const pages = new Uint32Array(buffer, pagesAt, pageCount * 2);
  let r = 0;
  let p = 0;
  windows.forEach((window, w) => {
    window.writeRows(rows, r);
    const pagesEnd = countVisitors(rows, r, r + 3 * window.rowCount, pages, p, p + 2 * window.pageCount);
    if (pagesEnd !== p + 2 * window.pageCount) throw new Error(`window ending ${window.windowEnd}: its rows do not have the ${window.pageCount} pages it counted`);
    const at = w * WINDOW_FIELDS;
    meta[at] = window.windowStart;
    meta[at + 1] = window.windowEnd;
    meta[at + 2] = window.minEventTime;
    meta[at + 3] = window.events;
    meta[at + 4] = window.pageCount;
    meta[at + 5] = window.rowCount;
    r += 3 * window.rowCount;
    p = pagesEnd;
  });
  return { bytes: new Uint8Array(buffer, 0, byteLength), stores: dictionary.stores };
}

/** Scratch for countVisitors: per page id, its rows so far; all zero between calls. */
let rowsOfPage = new Uint32Array(1 << 12);

/**
 * Writes pageId, visitors pairs of rows [from, to) into `pages` from `at` up to `limit`, pages in the
 * order first seen: a page's distinct visitors are its rows. Returns where the pairs end, or -1 if
 * the rows have more pages than there is room for.
 */
function countVisitors(rows: Uint32Array, from: number, to: number, pages: Uint32Array, at: number, limit: number): number {
  let end = at;
  let fits = true;
  for (let r = from + 1; r < to; r += 3) {
    const pageId = rows[r];
    if (pageId >= rowsOfPage.length) {
      const grown = new Uint32Array(Math.max(2 * rowsOfPage.length, pageId + 1));
      grown.set(rowsOfPage);
      rowsOfPage = grown;
    }
    if (rowsOfPage[pageId] === 0) {
      if (end === limit) {
        fits = false;
        break;
      }
      pages[end] = pageId;
      end += 2;
    }
    rowsOfPage[pageId]++;
  }
  for (let i = at; i < end; i += 2) {
    pages[i + 1] = rowsOfPage[pages[i]];
    rowsOfPage[pages[i]] = 0;
  }
  return fits ? end : -1;
}

/**
 * The buffer of a part the writer is done with, to hand back for the next close: cut down to its
 * header (a resizable buffer gives its pages back to the OS at once), as a worker grows it in place
 * again. What it keeps says which emission it was (numberOfSpent).
 */
export function spentBufferOf(part: EmissionPart): ArrayBuffer {
  const buffer = part.bytes.buffer;
  if (buffer.resizable) buffer.resize(Math.min(buffer.byteLength, HEADER_WORDS * 4));
  return buffer;
}

/**
 * The number the shard gave the emission last encoded into `spare`, if it was of `pool`; 0 if none. A
 * spent buffer comes back from the writer only once its close is durable, and closes are written in
 * order, so every emission of the pool up to that number, of every shard (each close has one from
 * each), has been written.
 */
export function numberOfSpent(spare: ArrayBuffer | null, pool: number): number {
  if (spare === null || spare.byteLength < HEADER_WORDS * 4) return 0;
  const header = new Uint32Array(spare, 0, HEADER_WORDS);
  return header[POOL_WORD] === pool ? header[NUMBER_WORD] : 0;
}

export function decodeEmission({ bytes, stores }: EmissionPart): ShardEmission {
  const { buffer, byteOffset } = bytes;
  const [windowCount, pageCount, rowCount, clients, pages] = new Uint32Array(buffer, byteOffset, HEADER_WORDS);
  const metaAt = byteOffset + HEADER_WORDS * 4;
  const rowsAt = metaAt + windowCount * WINDOW_FIELDS * 8;
  const pagesAt = rowsAt + rowCount * 12;
  return {
    dictionary: { stores, clients, pages },
    windows: new Float64Array(buffer, metaAt, windowCount * WINDOW_FIELDS),
    rows: new Uint32Array(buffer, rowsAt, rowCount * 3),
    pages: new Uint32Array(buffer, pagesAt, pageCount * 2),
  };
}
