import type { WindowRows } from '../../windows/window';
import { numberOf } from './client';
import { dayOf } from './partitions';
import { latestChanges } from './latest';
import type { MergedPartials } from './partials';
import { type Session, reader, sendAll } from './session';
import { type LatestChanges, type PreviousWrite, type WindowPlan, type WindowTotals, planMergedWindow, planWindow, topicsOf } from './writes';

/** Writes a window whole: its rows replace whatever an earlier write of it left, then its index. */
export function writeWindow(session: Session, window: WindowRows, what: string): Promise<void> {
  return writePlanned(session, window, what, (previous, latest, t) => planWindow(session.writes, window, previous, latest, t));
}

/** Writes the rows of a window merged from its partitions' shares, whose client rows are already written, then its index. */
export function writeMergedWindow(session: Session, window: MergedPartials, what: string): Promise<void> {
  return writePlanned(session, window, what, (previous, latest, t) => planMergedWindow(session.writes, window, previous, latest, t));
}

type Planner = (previousTopics: readonly string[], latest: LatestChanges, t: number) => WindowPlan;

async function writePlanned(session: Session, window: WindowTotals, what: string, plan: Planner): Promise<void> {
  const read = reader(session, what);
  const previous = await readPreviousWrite(session, window.windowEnd, what);
  const latest = await latestChanges(read, session.reads, window.windowEnd, topicsOf(window), previous.topics);
  // Above the earlier write's inserts even if that writer's clock ran ahead of this one's.
  const t = session.clock.next(previous.writtenAt + 1);
  const { rows, index } = plan(previous.topics, latest, t);
  await sendAll(session, rows, what);
  await sendAll(session, index, what);
}

async function readPreviousWrite(session: Session, windowEnd: number, what: string): Promise<PreviousWrite> {
  const row = (await reader(session, what)(session.reads.previousWrite, [dayOf(windowEnd), windowEnd])).first();
  if (row === null) return { topics: [], writtenAt: 0 };
  return { topics: row.get('topics') ?? [], writtenAt: numberOf(row.get('written')) };
}
