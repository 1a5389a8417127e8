import Piscina from 'piscina';
import { ShardWindows } from './shard-windows';
import { encodePartials } from '../windows/partial';
import type { AggregationWorkerData, ShardTask } from './task';

// A worker owns the state of the shards pinned to it for the whole run (SPEC §1).
const { spec } = Piscina.workerData as AggregationWorkerData;
const shards = new Map<number, ShardWindows>();

function windowsOf(shard: number): ShardWindows {
  let windows = shards.get(shard);
  if (windows === undefined) shards.set(shard, (windows = new ShardWindows(spec)));
  return windows;
}

/** Returns the closed windows' partials as msgpack (moved back, not copied), or null. */
export default function aggregate(task: ShardTask): unknown {
  const windows = windowsOf(task.shard);
  if (task.batch !== null) windows.add(task.batch);
  if (task.closeThrough === null) return null;
  return Piscina.move(encodePartials(windows.close(task.closeThrough)));
}
