import type { WindowRows } from '../../windows/window';
import { numberOf } from './client';
import { dayOf } from './partitions';
import { latestChanges } from './latest';
import type { MergedPartials } from './partials';
import { type Session, reader, sendAll } from './session';
import { type PreviousWrite, type Request, type WindowTotals, planIndex, planMergedRows, planRows, topicsOf } from './writes';

/** What a window's rows wave leaves its index wave: what an earlier write of the window listed. */
interface RowsWritten {
  readonly previousTopics: readonly string[];
}

type RowsPlanner = (previousTopics: readonly string[], t: number) => Request[];

/**
 * Writes windows whole, in order, each as two waves: its rows replace whatever an earlier write of it
 * left, then its index makes it findable, then `after` runs for it. A window's index waits for its
 * own rows and for the window before it to be done (topic_latest_window is read, then written, one
 * window at a time); the next window's rows are already on their way meanwhile, so the node has work
 * between windows. Resolves once every request is acknowledged; on a failure, once the requests in
 * flight have settled, with the first failure.
 */
export async function writeWindows(
  session: Session,
  windows: readonly WindowRows[],
  whatOf: (window: WindowRows) => string,
  after?: (window: WindowRows) => Promise<void>,
): Promise<void> {
  const rowsOf = (window: WindowRows): Promise<RowsWritten> =>
    writeRows(session, window, whatOf(window), (previous, t) => planRows(session.writes, window, previous, t, session.encoding));
  const started: Promise<RowsWritten>[] = [];
  const start = (i: number): void => {
    if (i >= windows.length) return;
    const rows = rowsOf(windows[i]);
    // Handled here too: a failure of the next window's rows while this window's index is written is
    // thrown when the loop reaches it, or settled below, never reported as unhandled.
    rows.catch(() => undefined);
    started.push(rows);
  };
  start(0);
  try {
    for (let i = 0; i < windows.length; i++) {
      start(i + 1);
      await writeIndex(session, windows[i], whatOf(windows[i]), await started[i]);
      await after?.(windows[i]);
    }
  } catch (error) {
    await Promise.allSettled(started);
    throw error;
  }
}

/** Writes the rows of a window merged from its partitions' shares, whose client rows are already written, then its index. */
export async function writeMergedWindow(session: Session, window: MergedPartials, what: string): Promise<void> {
  const written = await writeRows(session, window, what, (previous, t) => planMergedRows(session.writes, window, previous, t, session.encoding));
  await writeIndex(session, window, what, written);
}

async function writeRows(session: Session, window: WindowTotals, what: string, plan: RowsPlanner): Promise<RowsWritten> {
  const previous = await readPreviousWrite(session, window.windowEnd, what);
  // Above the earlier write's index (and so its rows) even if that writer's clock ran ahead of this one's.
  const t = session.clock.next(previous.writtenAt + 1);
  await sendAll(session, plan(previous.topics, t), what);
  return { previousTopics: previous.topics };
}

/**
 * The index at a time of its own, taken after the rows were written: above the rows' t + 1, and above
 * the index of every window written before it in this process, so topic_latest_window ends at the
 * latest window whatever order the requests land in.
 */
async function writeIndex(session: Session, window: WindowTotals, what: string, { previousTopics }: RowsWritten): Promise<void> {
  const latest = await latestChanges(reader(session, what), session.reads, window.windowEnd, topicsOf(window), previousTopics);
  await sendAll(session, planIndex(session.writes, window, latest, session.clock.next()), what);
}

async function readPreviousWrite(session: Session, windowEnd: number, what: string): Promise<PreviousWrite> {
  const row = (await reader(session, what)(session.reads.previousWrite, [dayOf(windowEnd), windowEnd])).first();
  if (row === null) return { topics: [], writtenAt: 0 };
  return { topics: row.get('topics') ?? [], writtenAt: numberOf(row.get('written')) };
}
