import { ByteInterner } from './byte-interner';
import type { DictionaryDelta } from '../wire/emission';
import { keyHashOf } from '../hashing/fnv1a';

/** A dictionary's interners; their stores are what the writer reads names from. */
interface Generation {
  readonly clients: ByteInterner;
  readonly pages: ByteInterner;
}

/**
 * A shard's interned client_ids and (topic, page) pairs. Panes and windows hold small integer ids,
 * and a window's rows cross to the writer as ids; the names stay where the interners keep them, in
 * memory the writer reads (KeyStore), and each emission says how many there are now.
 *
 * When most entries no longer occur in any open pane, the live ones are interned again into another
 * generation, so the dictionary stays proportional to the keys of the open windows, not to every
 * client ever seen. The writer still reads the old generation for the windows already emitted, so it
 * is retired, not dropped, and interned into again once every emission that used it is written. (It
 * is never left to the garbage collector: V8 does not count shared memory as pressure, and a dropped
 * store could wait a long time to be freed.) Usually two generations take turns.
 */
export class ShardDictionary {
  private current: Generation = { clients: new ByteInterner(false), pages: new ByteInterner(true) };
  /** Old generations, each with the number of the last emission whose rows use its ids. */
  private readonly retired: { readonly generation: Generation; readonly lastEmission: number }[] = [];
  /** Every emission up to this number has been written. */
  private writtenThrough = 0;
  private isReset = true;

  /** The id of the client_id in bytes[start, end) (UTF-8), with keyHashOf `hash`. */
  clientId(bytes: Uint8Array, start: number, end: number, hash: number): number {
    return this.current.clients.intern(bytes, start, end, 0, hash);
  }

  /** The id of the topic in bytes[start, topicEnd) with the page in bytes[topicEnd, end), tagged with the topic's length. */
  pageId(bytes: Uint8Array, start: number, topicEnd: number, end: number, hash: number): number {
    return this.current.pages.intern(bytes, start, end, topicEnd - start, hash);
  }

  clientCount(): number {
    return this.current.clients.size;
  }

  pageCount(): number {
    return this.current.pages.size;
  }

  size(): number {
    return this.clientCount() + this.pageCount();
  }

  /** What the writer's mirror needs to know: the counts, and the stores after a reset. */
  takeDelta(): DictionaryDelta {
    const { clients, pages } = this.current;
    const stores = this.isReset ? { clients: clients.store, pages: pages.store } : null;
    this.isReset = false;
    return { stores, clients: clients.size, pages: pages.size };
  }

  /** Learns that every emission up to `number` is written: generations only they used may be reused. */
  written(number: number): void {
    this.writtenThrough = Math.max(this.writtenThrough, number);
  }

  /**
   * Starts a new generation with only the ids marked live (a non-zero byte per id), after emission
   * `lastEmission`, the last whose rows use the old ids; returns the old → new id maps so the caller
   * can renumber what it holds.
   */
  rebuild(liveClients: Uint8Array, livePages: Uint8Array, lastEmission: number): { clients: Int32Array; pages: Int32Array } {
    const old = this.current;
    const next = this.reusable() ?? { clients: new ByteInterner(false), pages: new ByteInterner(true) };
    next.clients.restartWithTableOf(old.clients);
    next.pages.restartWithTableOf(old.pages);
    const maps = { clients: reinterned(old.clients, liveClients, next.clients), pages: reinterned(old.pages, livePages, next.pages) };
    this.retired.push({ generation: old, lastEmission });
    this.current = next;
    this.isReset = true;
    return maps;
  }

  /** A retired generation no emission still to be written reads, taken out of the retired ones. */
  private reusable(): Generation | null {
    const index = this.retired.findIndex(({ lastEmission }) => lastEmission <= this.writtenThrough);
    return index === -1 ? null : this.retired.splice(index, 1)[0].generation;
  }
}

function reinterned(from: ByteInterner, live: Uint8Array, into: ByteInterner): Int32Array {
  const map = new Int32Array(from.size).fill(-1);
  const bytes = from.keyBytes();
  for (let id = 0; id < from.size; id++) {
    if (!live[id]) continue;
    const start = from.keyStart(id);
    const end = from.keyEnd(id);
    const tag = from.keyTag(id);
    map[id] = into.intern(bytes, start, end, tag, keyHashOf(bytes, start, end, tag));
  }
  return map;
}
