import type { WrittenWindow } from './store';

/** A window's rows and top pages once read, by window_end and events (a replay changes them). */
export type WindowDetail = Pick<WrittenWindow, 'rows' | 'topics'>;

/** Details stay cached this many windows at most: more than any page of the dashboard shows. */
const CACHED_WINDOWS = 256;

/** Reads each window's details once: a written window only changes when a replay rewrites it. */
export class DetailCache {
  private readonly details = new Map<string, Promise<WindowDetail>>();

  get(windowEnd: number, events: number, pagesPerTopic: number, read: () => Promise<WindowDetail>): Promise<WindowDetail> {
    const key = `${windowEnd}/${events}/${pagesPerTopic}`;
    let detail = this.details.get(key);
    if (detail === undefined) {
      detail = read();
      detail.catch(() => this.details.delete(key));
      this.details.set(key, detail);
      if (this.details.size > CACHED_WINDOWS) this.details.delete(this.details.keys().next().value!);
    }
    return detail;
  }
}

export interface ReaderOptions {
  /** Window details already read, kept by a caller that lists the latest windows again and again. */
  readonly details?: DetailCache;
}
