import { createCombiner, mergeCombiners, mergeValue, type Combiner } from './pane';
import { ShardDictionary } from './dictionary';
import { firstWindowEnd, lastWindowEnd, paneStart, type WindowSpec } from '../windows/spec';
import { encodeEmission, type ShardWindow } from '../wire/emission';
import type { ShardBatch } from '../wire/shard-batch';

/** A dictionary is rebuilt only past this size, and only when most of it is no longer live. */
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
  private lastPaneStart = NaN;
  private lastPane: Combiner | null = null;
  /** Windows with a pane and not closed yet; null once a new pane or a close has made it stale. */
  private openWindowCount: number | null = 0;
  /**
   * Emptied combiners of dropped panes, and of merged windows, for the next ones: a pane or window is
   * much like the one before, so reuse skips regrowing its table, and memory stays put instead of
   * tens of megabytes freed and allocated again at every close. Panes and windows differ in size, so
   * each reuses its own kind.
   */
  private readonly spares: { readonly panes: Combiner[]; readonly windows: Combiner[] } = { panes: [], windows: [] };
  /** The panes one close drops: those of one slide. */
  private readonly maxSparePanes: number;

  constructor(private readonly spec: WindowSpec) {
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

  /** Encodes, in end order, every non-empty window ending in (previous close, through]; into `spare` if it fits. */
  close(through: number, spare: ArrayBuffer | null = null): Uint8Array<ArrayBuffer> {
    const windows: ShardWindow[] = [];
    const merged: Combiner[] = [];
    for (const end of this.windowEndsUpTo(through)) {
      const window = this.windowEnding(end);
      if (window.events > 0) windows.push({ windowStart: end - this.spec.windowMs, windowEnd: end, window });
      if (!this.isPane(window)) merged.push(window);
    }
    const encoded = encodeEmission(this.dictionary.takeDelta(), windows, spare);
    for (const window of merged) release(this.spares.windows, window, SPARE_WINDOWS);
    this.closedThrough = Math.max(this.closedThrough, through);
    this.dropExpiredPanes();
    this.openWindowCount = null;
    if (this.dictionary.size() > DICTIONARY_REBUILD_SIZE) this.rebuildDictionaryIfMostlyDead();
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

  /** The window's panes merged; a window of one pane is that pane itself (it is only read). */
  private windowEnding(end: number): Combiner {
    const inWindow: Combiner[] = [];
    for (const [start, pane] of this.panes) {
      if (start >= end - this.spec.windowMs && start < end) inWindow.push(pane);
    }
    if (inWindow.length === 1) return inWindow[0];
    const window = reuse(this.spares.windows);
    for (const pane of inWindow) mergeCombiners(window, pane);
    return window;
  }

  private dropExpiredPanes(): void {
    this.lastPaneStart = NaN;
    for (const start of this.panes.keys()) {
      if (lastWindowEnd(this.spec, start) > this.closedThrough) continue;
      release(this.spares.panes, this.panes.get(start)!, this.maxSparePanes);
      this.panes.delete(start);
    }
  }

  private isPane(combiner: Combiner): boolean {
    for (const pane of this.panes.values()) if (pane === combiner) return true;
    return false;
  }

  private rebuildDictionaryIfMostlyDead(): void {
    const liveClients = new Set<number>();
    const livePages = new Set<number>();
    for (const pane of this.panes.values()) {
      for (let e = 0; e < pane.size; e++) {
        livePages.add(pane.pageIds[e]);
        liveClients.add(pane.clientIds[e]);
      }
    }
    if (2 * (liveClients.size + livePages.size) > this.dictionary.size()) return;
    const renumber = this.dictionary.rebuild(liveClients, livePages);
    for (const pane of this.panes.values()) pane.renumber(renumber.pages, renumber.clients);
  }
}

function reuse(spares: Combiner[]): Combiner {
  const spare = spares.pop();
  if (spare === undefined) return createCombiner();
  spare.clear();
  return spare;
}

function release(spares: Combiner[], combiner: Combiner, max: number): void {
  if (spares.length < max) spares.push(combiner);
}
