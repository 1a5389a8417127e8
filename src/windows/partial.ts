import { Packr } from 'msgpackr';
import type { Combiner } from '../aggregation/pane';

/** One shard's share of one window: the rows of the clients it owns. */
export interface PartialWindow {
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly minEventTime: number;
  readonly events: number;
  /** client_page_visits columns: client_id, topic, page, visits. */
  readonly clientIds: string[];
  readonly visitTopics: string[];
  readonly visitPages: string[];
  readonly visits: number[];
  /** page_unique_visitors columns for this shard's clients only; shards' counts add up. */
  readonly pageTopics: string[];
  readonly pages: string[];
  readonly visitors: number[];
}

// Partials cross from workers to the writer as msgpack, never as structured-clone object graphs.
const packr = new Packr({ useRecords: false });

/** Encodes into a buffer of its own (msgpackr reuses its output buffer), so it can be transferred. */
export function encodePartials(windows: readonly PartialWindow[]): Uint8Array<ArrayBuffer> {
  return new Uint8Array(packr.pack(windows));
}

export function decodePartials(bytes: Uint8Array): PartialWindow[] {
  return packr.unpack(bytes) as PartialWindow[];
}

export function partialOf(windowStart: number, windowEnd: number, window: Combiner): PartialWindow {
  const partial: PartialWindow = {
    windowStart,
    windowEnd,
    minEventTime: window.minEventTime,
    events: window.events,
    clientIds: [],
    visitTopics: [],
    visitPages: [],
    visits: [],
    pageTopics: [],
    pages: [],
    visitors: [],
  };
  for (const [topic, pages] of window.topics) {
    for (const [page, clients] of pages) {
      partial.pageTopics.push(topic);
      partial.pages.push(page);
      partial.visitors.push(clients.size);
      for (const [clientId, visits] of clients) {
        partial.clientIds.push(clientId);
        partial.visitTopics.push(topic);
        partial.visitPages.push(page);
        partial.visits.push(visits);
      }
    }
  }
  return partial;
}
