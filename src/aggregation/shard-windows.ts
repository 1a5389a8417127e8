import { createCombiner, mergeCombiners, mergeValue, type Combiner } from './pane';
import { ShardDictionary } from './dictionary';
import { MAX_UNION_PANES, PaneUnion } from './pane-union';
import { firstWindowEnd, lastWindowEnd, paneStart, type WindowSpec } from '../windows/spec';
import { encodeEmission, numberOfSpent, type EmissionPart } from '../wire/emission';
import type { ShardBatch } from '../wire/shard-batch';

/**
 * A dictionary is rebuilt only past this size, and only when a quarter of it is no longer live: a
 * stream of ever new clients then holds about one window and a pane of them, not twice that, and a
 * rebuild copies at most three live keys for each dead one it frees.
 */
const DICTIONARY_REBUILD_SIZE = 1 << 17;
/** Merged windows kept for reuse: a close in a running job emits one window per slide. */
const SPARE_WINDOWS = 1;

/**
 * The open state of one shard: a combiner per pane. Windows are produced when the main thread says
 * every window ending at or before some time is closed; panes no open window needs are dropped, so
 * memory follows the distinct keys of the open windows, not the events.
 */
export class ShardWindows {
  private readonly panes = new Map<number, Combiner>();
  private readonly dictionary = new ShardDictionary();
  private closedThrough = -Infinity;
  /** Emissions so far; each close makes one, numbered from 1. */
  private emitted = 0;
  private lastPaneStart = NaN;
  private lastPane: Combiner | null = null;
  /** Windows with a pane and not closed yet; null once a new pane or a close has made it stale. */
  private openWindowCount: number | null = 0;
  /**
   * Emptied combiners of dropped panes, and of merged windows (of more than MAX_UNION_PANES panes),
   * for the next ones: a pane or window is much like the one before, so reuse skips regrowing its
   * table, and memory stays put instead of tens of megabytes freed and allocated again at every close.
   * Panes and windows differ in size, so each reuses its own kind.
   */
  private readonly spares: { readonly panes: Combiner[]; readonly windows: Combiner[] } = { panes: [], windows: [] };
  /** Scratch of rebuilds: a byte per client and per page id, set if an open pane holds it. */
  private liveClients = new Uint8Array(0);
  private livePages = new Uint8Array(0);
  /** The panes one close drops: those of one slide. */
  private readonly maxSparePanes: number;

  /** `pool`: the pool of workers this shard's emissions are numbered in (see numberOfSpent). */
  constructor(
    private readonly spec: WindowSpec,
    private readonly pool = 0,
  ) {
    this.maxSparePanes = spec.slideMs / spec.paneMs;
  }

  add(batch: ShardBatch): void {
    const text = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.byteLength);
    const { ends, hashes, times, eventTimes } = batch;
    const dictionary = this.dictionary;
    let start = 0;
    for (let i = 0; i < batch.count; i++) {
      const clientEnd = ends[3 * i];
      const topicEnd = ends[3 * i + 1];
      const pageEnd = ends[3 * i + 2];
      const time = times[i];
      mergeValue(
        this.paneOf(time),
        dictionary.clientId(text, start, clientEnd, hashes[2 * i]),
        dictionary.pageId(text, clientEnd, topicEnd, pageEnd, hashes[2 * i + 1]),
        eventTimes === null ? time : eventTimes[i],
      );
      start = pageEnd;
    }
  }

  /** Encodes, in end order, every non-empty window ending in (previous close, through]; into `spare`, resized, if it can be. */
  close(through: number, spare: ArrayBuffer | null = null): EmissionPart {
    // A number past this shard's own emissions is not from a buffer of its pool: it tells nothing.
    const written = numberOfSpent(spare, this.pool);
    if (written <= this.emitted) this.dictionary.written(written);
    const windows: PaneUnion[] = [];
    const merged: Combiner[] = [];
    for (const end of this.windowEndsUpTo(through)) {
      let panes = this.panesOf(end);
      if (panes.length > MAX_UNION_PANES) {
        const window = reuse(this.spares.windows);
        for (const pane of panes) mergeCombiners(window, pane);
        merged.push(window);
        panes = [window];
      }
      const window = new PaneUnion(end - this.spec.windowMs, end, panes);
      if (window.events > 0) windows.push(window);
    }
    const encoded = encodeEmission(this.dictionary.takeDelta(), windows, spare, { pool: this.pool, number: ++this.emitted });
    for (const window of merged) release(this.spares.windows, window, SPARE_WINDOWS);
    this.closedThrough = Math.max(this.closedThrough, through);
    this.dropExpiredPanes();
    this.openWindowCount = null;
    if (this.dictionary.size() > DICTIONARY_REBUILD_SIZE) this.rebuildDictionaryIfLargelyDead();
    return encoded;
  }

  /** Number of panes held, for tests and metrics. */
  openPanes(): number {
    return this.panes.size;
  }

  /** Windows holding events and not closed yet, for metrics: counted again only after a new pane or a close. */
  openWindows(): number {
    return (this.openWindowCount ??= this.windowEndsUpTo(Infinity).length);
  }

  /** Interned entries held, for tests of the memory bound. */
  dictionarySize(): number {
    return this.dictionary.size();
  }

  private paneOf(time: number): Combiner {
    const start = paneStart(this.spec, time);
    // Consecutive events mostly share a pane.
    if (start === this.lastPaneStart) return this.lastPane!;
    let pane = this.panes.get(start);
    if (pane === undefined) {
      this.panes.set(start, (pane = reuse(this.spares.panes)));
      this.openWindowCount = null;
    }
    this.lastPaneStart = start;
    this.lastPane = pane;
    return pane;
  }

  private windowEndsUpTo(through: number): number[] {
    const ends = new Set<number>();
    for (const start of this.panes.keys()) {
      const last = Math.min(lastWindowEnd(this.spec, start), through);
      for (let end = firstWindowEnd(this.spec, start); end <= last; end += this.spec.slideMs) {
        if (end > this.closedThrough) ends.add(end);
      }
    }
    return [...ends].sort((a, b) => a - b);
  }

  /** The panes of the window ending at `end`, in the order they were opened (the order a merge takes them in). */
  private panesOf(end: number): Combiner[] {
    const inWindow: Combiner[] = [];
    for (const [start, pane] of this.panes) {
      if (start >= end - this.spec.windowMs && start < end) inWindow.push(pane);
    }
    return inWindow;
  }

  private dropExpiredPanes(): void {
    this.lastPaneStart = NaN;
    for (const start of this.panes.keys()) {
      if (lastWindowEnd(this.spec, start) > this.closedThrough) continue;
      release(this.spares.panes, this.panes.get(start)!, this.maxSparePanes);
      this.panes.delete(start);
    }
  }

  private rebuildDictionaryIfLargelyDead(): void {
    const liveClients = (this.liveClients = zeroed(this.liveClients, this.dictionary.clientCount()));
    const livePages = (this.livePages = zeroed(this.livePages, this.dictionary.pageCount()));
    let live = 0;
    for (const { entries, size } of this.panes.values()) {
      for (let at = 0; at < 3 * size; at += 3) {
        if (liveClients[entries[at]] === 0) live += liveClients[entries[at]] = 1;
        if (livePages[entries[at + 1]] === 0) live += livePages[entries[at + 1]] = 1;
      }
    }
    if (4 * live > 3 * this.dictionary.size()) return;
    const renumber = this.dictionary.rebuild(liveClients, livePages, this.emitted);
    for (const pane of this.panes.values()) pane.renumber(renumber.pages, renumber.clients);
  }
}

function reuse(spares: Combiner[]): Combiner {
  const spare = spares.pop();
  if (spare === undefined) return createCombiner();
  spare.clear();
  return spare;
}

/** `marks` with its first `length` bytes zero, grown if need be (the check runs at every close past the rebuild size). */
function zeroed(marks: Uint8Array<ArrayBuffer>, length: number): Uint8Array<ArrayBuffer> {
  if (marks.length < length) return new Uint8Array(Math.max(length, 2 * marks.length));
  return marks.fill(0, 0, length);
}

function release(spares: Combiner[], combiner: Combiner, max: number): void {
  if (spares.length < max) spares.push(combiner);
}
