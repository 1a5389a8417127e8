import { firstSlot, isCrowded, MIN_SLOTS, slotsFor } from './table-size';

const INITIAL_ENTRIES = 1 << 8;

/**
 * The partial aggregate of one pane of one shard, built like Spark's combineByKey: createCombiner and
 * mergeValue fold events in, mergeCombiners folds panes together. Each distinct (page id, client id)
 * pair is one entry with its visit count, so a page's distinct visitors are its number of entries.
 * Entries sit in the order first seen, three uint32 each in the layout of an emission's rows, indexed
 * by an open-addressing table: counting an event allocates nothing, and an entry costs 12 bytes plus
 * 4 per slot of a table half to three quarters full (table-size).
 */
export class Combiner {
  events = 0;
  minEventTime = Infinity;
  /** Number of entries. */
  size = 0;
  /**
   * Entry e: client id `entries[3e]`, page id `entries[3e + 1]`, visits `entries[3e + 2]`. Plain memory,
   * unlike the dictionary's shared stores: a combiner dropped after a burst is garbage V8 counts, and
   * frees (it does not count shared memory).
   */
  entries = new Uint32Array(3 * INITIAL_ENTRIES);
  /** Entry index + 1 per slot, 0 = free. */
  private slots = new Int32Array(MIN_SLOTS);

  /** Adds `count` visits of the client to the page. */
  addVisits(pageId: number, clientId: number, count: number): void {
    const slots = this.slots;
    const entries = this.entries;
    const slotCount = slots.length;
    for (let slot = firstSlot(mixOf(pageId, clientId), slotCount); ; slot = slot + 1 === slotCount ? 0 : slot + 1) {
      const entry = slots[slot] - 1;
      if (entry === -1) {
        this.append(slot, pageId, clientId, count);
        return;
      }
      const at = 3 * entry;
      if (entries[at] === clientId && entries[at + 1] === pageId) {
        entries[at + 2] += count;
        return;
      }
    }
  }

  /** The client's visits to the page in this pane, 0 if none. */
  visitsOf(pageId: number, clientId: number): number {
    const slots = this.slots;
    const entries = this.entries;
    const slotCount = slots.length;
    for (let slot = firstSlot(mixOf(pageId, clientId), slotCount); ; slot = slot + 1 === slotCount ? 0 : slot + 1) {
      const entry = slots[slot] - 1;
      if (entry === -1) return 0;
      const at = 3 * entry;
      if (entries[at] === clientId && entries[at + 1] === pageId) return entries[at + 2];
    }
  }

  /** Empties the combiner for reuse, keeping its grown entries and table (new entries overwrite the old). */
  clear(): void {
    this.events = 0;
    this.minEventTime = Infinity;
    this.size = 0;
    this.slots.fill(0);
  }

  /** Gives every entry its new ids (a dictionary rebuild); pairs stay distinct, as ids map one to one. */
  renumber(pageMap: Int32Array, clientMap: Int32Array): void {
    const entries = this.entries;
    for (let at = 0; at < 3 * this.size; at += 3) {
      entries[at] = clientMap[entries[at]];
      entries[at + 1] = pageMap[entries[at + 1]];
    }
    this.reindex(this.slots.length);
  }

  private append(slot: number, pageId: number, clientId: number, count: number): void {
    const at = 3 * this.size++;
    if (at === this.entries.length) this.growEntries();
    const entries = this.entries;
    entries[at] = clientId;
    entries[at + 1] = pageId;
    entries[at + 2] = count;
    this.slots[slot] = this.size;
    if (isCrowded(this.size, this.slots.length)) this.reindex(slotsFor(this.size));
  }

  private growEntries(): void {
    const grown = new Uint32Array(2 * this.entries.length);
    grown.set(this.entries);
    this.entries = grown;
  }

  private reindex(slotCount: number): void {
    const slots = new Int32Array(slotCount);
    const entries = this.entries;
    for (let e = 0; e < this.size; e++) {
      let slot = firstSlot(mixOf(entries[3 * e + 1], entries[3 * e]), slotCount);
      while (slots[slot] !== 0) slot = slot + 1 === slotCount ? 0 : slot + 1;
      slots[slot] = e + 1;
    }
    this.slots = slots;
  }
}

/** Mixes both ids over all bits (MurmurHash3's finalizer), so linear probing sees no clusters of ids. */
function mixOf(pageId: number, clientId: number): number {
  let h = Math.imul(pageId, 0x9e3779b1) ^ clientId;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export function createCombiner(): Combiner {
  return new Combiner();
}

export function mergeValue(into: Combiner, clientId: number, pageId: number, eventTime: number): void {
  into.events++;
  if (eventTime < into.minEventTime) into.minEventTime = eventTime;
  into.addVisits(pageId, clientId, 1);
}

export function mergeCombiners(into: Combiner, from: Combiner): void {
  into.events += from.events;
  if (from.minEventTime < into.minEventTime) into.minEventTime = from.minEventTime;
  const entries = from.entries;
  for (let at = 0; at < 3 * from.size; at += 3) into.addVisits(entries[at + 1], entries[at], entries[at + 2]);
}
