import Piscina, { transferableSymbol, valueSymbol } from 'piscina';
import { ShardWindows } from './shard-windows';
import type { AggregationWorkerData, ShardTask, ShardTaskResult } from '../wire/task';

// A worker owns the state of the shards pinned to it for the whole run, so no other thread ever touches it.
const { spec, pool } = Piscina.workerData as AggregationWorkerData;
const shards = new Map<number, ShardWindows>();
// Fault injection for tests: this worker thread dies on its N-th task (0 = never).
const crashOnTask = Number(process.env.CLICKSTREAM_INJECT_WORKER_CRASH ?? 0);
let tasks = 0;

function windowsOf(shard: number): ShardWindows {
  let windows = shards.get(shard);
  if (windows === undefined) shards.set(shard, (windows = new ShardWindows(spec, pool)));
  return windows;
}

/** Returns what the shard holds, and with a close the closed windows encoded in one buffer (moved back, not copied). */
export default function aggregate(task: ShardTask): unknown {
  if (++tasks === crashOnTask) process.exit(70);
  const windows = windowsOf(task.shard);
  if (task.batch !== null) windows.add(task.batch);
  const emission = task.closeThrough === null ? null : windows.close(task.closeThrough, task.spare);
  const result: ShardTaskResult = { emission, openWindows: windows.openWindows(), openPanes: windows.openPanes() };
  if (emission === null) return result;
  // Piscina moves only the top-level value it is given: this names the buffer inside the result.
  return Piscina.move({ [transferableSymbol]: [emission.bytes.buffer], [valueSymbol]: result });
}
