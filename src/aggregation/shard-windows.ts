import { createCombiner, mergeCombiners, mergeValue, type Combiner } from './pane';
import { firstWindowEnd, lastWindowEnd, paneStart, type WindowSpec } from '../windows/spec';
import { partialOf, type PartialWindow } from '../windows/partial';
import type { ShardBatch } from '../sharding/shard-batch';

/**
 * The open state of one shard: a combiner per pane. Windows are produced when the main thread says
 * every window ending at or before some time is closed; panes no open window needs are dropped, so
 * memory follows the distinct keys of the open windows, not the events.
 */
export class ShardWindows {
  private readonly panes = new Map<number, Combiner>();
  private closedThrough = -Infinity;

  constructor(private readonly spec: WindowSpec) {}

  add(batch: ShardBatch): void {
    const text = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.byteLength);
    const { ends, times, eventTimes } = batch;
    let start = 0;
    for (let i = 0; i < batch.count; i++) {
      const clientEnd = ends[3 * i];
      const topicEnd = ends[3 * i + 1];
      const pageEnd = ends[3 * i + 2];
      const time = times[i];
      mergeValue(
        this.paneOf(time),
        text.toString('utf8', start, clientEnd),
        text.toString('utf8', clientEnd, topicEnd),
        text.toString('utf8', topicEnd, pageEnd),
        eventTimes === null ? time : eventTimes[i],
      );
      start = pageEnd;
    }
  }

  /** Produces, in end order, every non-empty window ending in (previous close, through]. */
  close(through: number): PartialWindow[] {
    const ends = this.windowEndsUpTo(through);
    const windows: PartialWindow[] = [];
    for (const end of ends) {
      const window = this.windowEnding(end);
      if (window.events > 0) windows.push(partialOf(end - this.spec.windowMs, end, window));
    }
    this.closedThrough = Math.max(this.closedThrough, through);
    this.dropExpiredPanes();
    return windows;
  }

  /** Number of panes held, for tests and metrics. */
  openPanes(): number {
    return this.panes.size;
  }

  private paneOf(time: number): Combiner {
    const start = paneStart(this.spec, time);
    let pane = this.panes.get(start);
    if (pane === undefined) this.panes.set(start, (pane = createCombiner()));
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

  private windowEnding(end: number): Combiner {
    const window = createCombiner();
    for (const [start, pane] of this.panes) {
      if (start >= end - this.spec.windowMs && start < end) mergeCombiners(window, pane);
    }
    return window;
  }

  private dropExpiredPanes(): void {
    for (const start of this.panes.keys()) {
      if (lastWindowEnd(this.spec, start) <= this.closedThrough) this.panes.delete(start);
    }
  }
}
