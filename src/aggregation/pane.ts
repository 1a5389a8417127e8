/**
 * The partial aggregate of one pane of one shard, built like Spark's combineByKey: createCombiner and
 * mergeValue fold events in, mergeCombiners folds panes into a window. Each distinct (page id, client
 * id) pair is one entry with its visit count, so a page's distinct visitors are its number of entries.
 * Entries sit in typed-array columns in the order first seen, indexed by an open-addressing table:
 * counting an event allocates nothing, and the columns are what a window is encoded from.
 */
export class Combiner {
  events = 0;
  minEventTime = Infinity;
  /** Number of entries. */
  size = 0;
  pageIds = new Uint32Array(INITIAL_ENTRIES);
  clientIds = new Uint32Array(INITIAL_ENTRIES);
  visits = new Uint32Array(INITIAL_ENTRIES);
  /** Entry index + 1 per slot, 0 = free; kept at most half full. */
  private slots = new Int32Array(2 * INITIAL_ENTRIES);

  /** Adds `count` visits of the client to the page. */
  addVisits(pageId: number, clientId: number, count: number): void {
    const mask = this.slots.length - 1;
    for (let slot = slotOf(pageId, clientId) & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot] - 1;
      if (entry === -1) {
        this.append(slot, pageId, clientId, count);
        return;
      }
      if (this.pageIds[entry] === pageId && this.clientIds[entry] === clientId) {
        this.visits[entry] += count;
        return;
      }
    }
  }

  /** Empties the combiner for reuse, keeping its grown columns and table (entries overwrite the columns). */
  clear(): void {
    this.events = 0;
    this.minEventTime = Infinity;
    this.size = 0;
    this.slots.fill(0);
  }

  /** Gives every entry its new ids (a dictionary rebuild); pairs stay distinct, as ids map one to one. */
  renumber(pageMap: Int32Array, clientMap: Int32Array): void {
    for (let e = 0; e < this.size; e++) {
      this.pageIds[e] = pageMap[this.pageIds[e]];
      this.clientIds[e] = clientMap[this.clientIds[e]];
    }
    this.reindex(this.slots.length);
  }

  private append(slot: number, pageId: number, clientId: number, count: number): void {
    const entry = this.size++;
    if (entry === this.pageIds.length) this.growColumns();
    this.pageIds[entry] = pageId;
    this.clientIds[entry] = clientId;
    this.visits[entry] = count;
    this.slots[slot] = entry + 1;
    if (2 * this.size > this.slots.length) this.reindex(2 * this.slots.length);
  }

  private growColumns(): void {
    const grow = (column: Uint32Array) => {
      const grown = new Uint32Array(2 * column.length);
      grown.set(column);
      return grown;
    };
    this.pageIds = grow(this.pageIds);
    this.clientIds = grow(this.clientIds);
    this.visits = grow(this.visits);
  }

  private reindex(slotCount: number): void {
    const slots = new Int32Array(slotCount);
    const mask = slotCount - 1;
    for (let e = 0; e < this.size; e++) {
      let slot = slotOf(this.pageIds[e], this.clientIds[e]) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = e + 1;
    }
    this.slots = slots;
  }
}

const INITIAL_ENTRIES = 1 << 8;

/** Mixes both ids over all bits (MurmurHash3's finalizer), so linear probing sees no clusters of ids. */
function slotOf(pageId: number, clientId: number): number {
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
  const { pageIds, clientIds, visits } = from;
  for (let e = 0; e < from.size; e++) into.addVisits(pageIds[e], clientIds[e], visits[e]);
}
