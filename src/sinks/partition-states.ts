import type { PartitionScope, PartitionState } from './sink';

/**
 * The rules of per-partition progress (docs/scale-out.md): what an instance records for its partitions,
 * when it may write a window whole, and which windows every partition has delivered.
 */

/** Every window ending at or before this has every partition's share durable: an ended partition holds none back, an unrecorded one all. */
export function completeThrough(states: ReadonlyMap<number, PartitionState>, partitionCount: number): number {
  let through = Infinity;
  for (let partition = 0; partition < partitionCount; partition++) {
    const state = states.get(partition);
    through = Math.min(through, state === undefined ? -Infinity : state.ended ? Infinity : state.delivered);
  }
  return through;
}

/**
 * Every partition, ended or not, delivered through here. A share of a window at or before it can only
 * be written again (a replay, a stale owner), never for the first time: an owner writes a partition's
 * shares only past what it delivered, and an ended partition that comes back resumes after its own.
 */
export function deliveredThrough(states: ReadonlyMap<number, PartitionState>, partitionCount: number): number {
  let through = Infinity;
  for (let partition = 0; partition < partitionCount; partition++) through = Math.min(through, states.get(partition)?.delivered ?? -Infinity);
  return through;
}

/** Through where the partition's windows were durable when the instance got it. */
export function deliveredOf(scope: PartitionScope, partition: number): number {
  return scope.delivered.get(partition) ?? -Infinity;
}

/** The instance owns every partition of the input: it writes whole windows, as a sink that cannot merge shares must. */
export function ownsEveryPartition(scope: PartitionScope): boolean {
  return scope.owned.length === scope.partitionCount;
}

/**
 * Each owned partition's state after a close through `closedThrough` of these windows; none for a job
 * whose progress is not kept.
 */
export function statesAfterWrite(
  scope: PartitionScope,
  windows: readonly { readonly windowEnd: number }[],
  closedThrough: number,
  idle = false,
): Map<number, PartitionState> {
  const states = new Map<number, PartitionState>();
  if (scope.job === null) return states;
  const lastEnd = windows.length > 0 ? windows[windows.length - 1].windowEnd : -Infinity;
  for (const partition of scope.owned) states.set(partition, stateAfterClose(deliveredOf(scope, partition), closedThrough, lastEnd, idle));
  return states;
}

/** The fast path: the instance owns every partition and none has delivered the window, so its rows of it are the whole window. */
export function holdsWholeWindow(scope: PartitionScope, windowEnd: number): boolean {
  const owned = new Set(scope.owned);
  for (let partition = 0; partition < scope.partitionCount; partition++) {
    if (!owned.has(partition) || deliveredOf(scope, partition) >= windowEnd) return false;
  }
  return true;
}

/**
 * What an owned partition records after a close through `closedThrough` whose last window ends at
 * `lastEnd` (-Infinity without windows). Infinity closes every window, which ends the partition: it
 * delivered through its last window, and holds no later one back. A close that follows other
 * instances (`idle`) keeps it ended: it holds no window back while its owner only follows.
 */
export function stateAfterClose(delivered: number, closedThrough: number, lastEnd: number, idle: boolean): PartitionState {
  if (closedThrough === Infinity) return { delivered: Math.max(delivered, lastEnd), ended: true };
  return { delivered: closedThrough, ended: idle };
}

/**
 * What an instance whose partitions are all idle follows: the window end through which every
 * partition it does not own, and that is not ended, delivered; -Infinity when there is none to follow
 * (they are all its own, or all ended: nothing moves until one delivers) or one recorded nothing yet.
 * Ended partitions are left out so that two idle instances do not wait for each other.
 */
export function followThrough(states: ReadonlyMap<number, PartitionState>, owned: readonly number[], partitionCount: number): number {
  let through = Infinity;
  for (let partition = 0; partition < partitionCount; partition++) {
    const state = states.get(partition);
    if (owned.includes(partition) || state?.ended === true) continue;
    through = Math.min(through, state?.delivered ?? -Infinity);
  }
  return through === Infinity ? -Infinity : through;
}
