import Piscina from 'piscina';

type Balancer = NonNullable<ConstructorParameters<typeof Piscina>[0]>['loadBalancer'];
type Worker = Parameters<NonNullable<Balancer>>[1][number];

/** What a task carries under Piscina.queueOptionsSymbol to choose its worker. */
export interface ShardRoute {
  readonly shard: number;
}

/**
 * Pins shard s to the worker at position s % n among the pool's workers ordered by id, so one worker
 * owns a shard's state for the whole run. Returns null (the task waits) until all `threads` workers
 * exist, since a shorter list would route a shard elsewhere.
 */
export function pinnedBalancer(threads: number): NonNullable<Balancer> {
  return (task, workers) => {
    const route = task[Piscina.queueOptionsSymbol as unknown as keyof typeof task] as ShardRoute | null;
    if (route === null || workers.length !== threads) return null;
    return byId(workers)[route.shard % threads];
  };
}

function byId(workers: Worker[]): Worker[] {
  return [...workers].sort((a, b) => a.id - b.id);
}
