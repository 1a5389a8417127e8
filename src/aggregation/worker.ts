import Piscina from 'piscina';
import { ShardWindows } from './shard-windows';
import type { AggregationWorkerData, ShardTask } from '../wire/task';

// A worker owns the state of the shards pinned to it for the whole run, so no other thread ever touches it.
const { spec } = Piscina.workerData as AggregationWorkerData;
const shards = new Map<number, ShardWindows>();
// Fault injection for tests: this worker thread dies on its N-th task (0 = never).
const crashOnTask = Number(process.env.CLICKSTREAM_INJECT_WORKER_CRASH ?? 0);
let tasks = 0;

function windowsOf(shard: number): ShardWindows {
  let windows = shards.get(shard);
  if (windows === undefined) shards.set(shard, (windows = new ShardWindows(spec)));
  return windows;
}

/** Returns the closed windows encoded in one buffer (moved back, not copied), or null. */
export default function aggregate(task: ShardTask): unknown {
  if (++tasks === crashOnTask) process.exit(70);
  const windows = windowsOf(task.shard);
  if (task.batch !== null) windows.add(task.batch);
  if (task.closeThrough === null) return null;
  return Piscina.move(windows.close(task.closeThrough, task.spare));
}
