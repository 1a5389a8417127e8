import type { Admin } from 'kafkajs';
import { partitionStartsOf } from './start';

/** How often the group's committed offsets are asked for. */
const GROUP_END_POLL_MS = 500;

export interface GroupEnd {
  readonly topic: string;
  readonly group: string;
  readonly fromBeginning: boolean;
  /** Per partition, the end offset of the start (--stop-at-end). */
  readonly ends: readonly bigint[];
}

/**
 * --stop-at-end with a group: asks the group's committed offsets every half second until every
 * partition is committed to its end offset of the start — whichever member committed it — then calls
 * `onEnd` once. Returns the function that stops asking. (A partition whose last records are
 * transaction markers fetched apart from its messages is committed only up to them: an input written
 * transactionally may keep this waiting.)
 */
export function pollGroupEnd(admin: Admin, end: GroupEnd, onEnd: () => void, onError: (error: Error) => void): () => void {
  let stopped = false;
  const poll = async () => {
    const starts = await partitionStartsOf(admin, end.topic, end.group, end.fromBeginning);
    if (stopped || !starts.every(({ partition, start }) => start >= (end.ends[partition] ?? 0n))) return;
    stop();
    onEnd();
  };
  const timer = setInterval(() => void poll().catch((error: Error) => !stopped && onError(error)), GROUP_END_POLL_MS);
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  return stop;
}
