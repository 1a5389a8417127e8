import type { Combiner } from './pane';
import type { EncodableWindow } from '../wire/emission';

/**
 * Windows of up to this many panes are read from their panes as they are; a window of more is merged
 * into a combiner of its own first, since probing each entry in every other pane would cost more than
 * that merge. Windows twice their slide (the default) have two.
 */
export const MAX_UNION_PANES = 3;

/** Per page id, the stamp of the last count that saw it; a stamp per count spares clearing it. */
let pageStamps = new Uint32Array(1 << 12);
let stamp = 0;

/**
 * A window read from its panes without merging them into a table of its own, which would take as much
 * memory again as the panes: its rows are their entries, each distinct (page, client) key once with
 * its visits summed over the panes, in the order a merge would put them (the panes' order, each
 * pane's entries in order, a key where it first occurs).
 */
export class PaneUnion implements EncodableWindow {
  readonly events: number;
  readonly minEventTime: number;
  readonly rowCount: number;
  readonly pageCount: number;
  /** Per pane after the first, a bit per entry: set if no pane before it has the entry's key. */
  private readonly firsts: Uint32Array[] = [];

  constructor(
    readonly windowStart: number,
    readonly windowEnd: number,
    private readonly panes: readonly Combiner[],
  ) {
    let events = 0;
    let minEventTime = Infinity;
    let rowCount = 0;
    panes.forEach((pane, i) => {
      events += pane.events;
      minEventTime = Math.min(minEventTime, pane.minEventTime);
      rowCount += i === 0 ? pane.size : this.markFirsts(i);
    });
    this.events = events;
    this.minEventTime = minEventTime;
    this.rowCount = rowCount;
    this.pageCount = distinctPages(panes);
  }

  writeRows(rows: Uint32Array, at: number): void {
    const panes = this.panes;
    if (panes.length === 1) {
      rows.set(panes[0].entries.subarray(0, 3 * panes[0].size), at);
      return;
    }
    let r = at;
    for (let i = 0; i < panes.length; i++) {
      const { entries, size } = panes[i];
      const firsts = i === 0 ? null : this.firsts[i - 1];
      for (let e = 0; e < size; e++) {
        if (firsts !== null && (firsts[e >>> 5] & (1 << (e & 31))) === 0) continue;
        const clientId = entries[3 * e];
        const pageId = entries[3 * e + 1];
        let visits = entries[3 * e + 2];
        for (let j = i + 1; j < panes.length; j++) visits += panes[j].visitsOf(pageId, clientId);
        rows[r++] = clientId;
        rows[r++] = pageId;
        rows[r++] = visits;
      }
    }
  }

  /** Marks the entries of pane i whose key no earlier pane has; returns how many. */
  private markFirsts(i: number): number {
    const panes = this.panes;
    const { entries, size } = panes[i];
    const firsts = new Uint32Array((size + 31) >>> 5);
    let count = 0;
    for (let e = 0; e < size; e++) {
      const clientId = entries[3 * e];
      const pageId = entries[3 * e + 1];
      let seen = false;
      for (let j = 0; j < i && !seen; j++) seen = panes[j].visitsOf(pageId, clientId) !== 0;
      if (seen) continue;
      firsts[e >>> 5] |= 1 << (e & 31);
      count++;
    }
    this.firsts.push(firsts);
    return count;
  }
}

function distinctPages(panes: readonly Combiner[]): number {
  if (++stamp === 0x1_0000_0000) {
    pageStamps.fill(0);
    stamp = 1;
  }
  let pages = 0;
  for (const { entries, size } of panes) {
    for (let at = 1; at < 3 * size; at += 3) {
      const pageId = entries[at];
      if (pageId >= pageStamps.length) {
        const grown = new Uint32Array(Math.max(2 * pageStamps.length, pageId + 1));
        grown.set(pageStamps);
        pageStamps = grown;
      }
      if (pageStamps[pageId] !== stamp) {
        pageStamps[pageId] = stamp;
        pages++;
      }
    }
  }
  return pages;
}
