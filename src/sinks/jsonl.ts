import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Sink } from './sink';
import type { WindowRows } from '../windows/window';

/**
 * One JSON object per row with a "table" field and the columns of that table. Written with synchronous writes to the file
 * descriptor, which also works for stdout from the writer thread; `-` means stdout.
 */
export function createJsonlSink(path: string): Sink {
  let fd = -1;
  return {
    async open() {
      if (path === '-') fd = 1;
      else {
        mkdirSync(dirname(path), { recursive: true });
        fd = openSync(path, 'a');
      }
    },
    async writeWindows(windows) {
      for (const window of windows) writeAll(fd, linesOf(window));
    },
    // A file of lines cannot be read back cheaply; a restarted job re-emits (at-least-once).
    readProgress: async () => -Infinity,
    async close() {
      if (fd > 2) closeSync(fd);
    },
  };
}

function linesOf(window: WindowRows): string {
  const { windowStart, windowEnd, windowTs } = window;
  const time = `"window_start":${windowStart},"window_end":${windowEnd},"window_ts":${windowTs}`;
  const lines: string[] = [];
  const visits = window.clientPageVisits;
  for (let i = 0; i < visits.clientIds.length; i++) {
    lines.push(
      `{"table":"client_page_visits",${time},"client_id":${JSON.stringify(visits.clientIds[i])},` +
        `"topic":${JSON.stringify(visits.topics[i])},"page":${JSON.stringify(visits.pages[i])},"visits":${visits.visits[i]}}`,
    );
  }
  const pages = window.pageUniqueVisitors;
  for (let i = 0; i < pages.topics.length; i++) {
    lines.push(
      `{"table":"page_unique_visitors",${time},"topic":${JSON.stringify(pages.topics[i])},` +
        `"page":${JSON.stringify(pages.pages[i])},"visitors":${pages.visitors[i]}}`,
    );
  }
  lines.push(`{"table":"windows",${time},"events":${window.events}}`);
  return lines.join('\n') + '\n';
}

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
}
