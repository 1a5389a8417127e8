import type { Client } from 'cassandra-driver';
import { type JobIdentity, decodeIdentity, encodeIdentity } from '../identity';
import {
  CLAIM_EXPIRES_MS,
  type StoreNames,
  type WriterClaim,
  givesWay,
  identityRefusal,
  isAlive,
  isOwnClaim,
  mayWriteTogether,
  ownClaim,
  writerRefusal,
} from '../store-claim';
import { CONSISTENCY, numberOf } from './client';

/** The one row of store_job, and the one partition of store_writers. */
const ONLY = 1;
/** A claim outlives its last renewal by this long: the row expires with its writer. */
const CLAIM_TTL_S = CLAIM_EXPIRES_MS / 1000;

const OPTIONS = { prepare: true, consistency: CONSISTENCY } as const;

function cqlOf(keyspace: string) {
  return {
    job: `SELECT identity FROM ${keyspace}.store_job WHERE id = ?`,
    recordJob: `INSERT INTO ${keyspace}.store_job (id, identity, recorded_at) VALUES (?, ?, ?)`,
    writers: `SELECT host, pid, since, heartbeat_at, identity FROM ${keyspace}.store_writers WHERE id = ?`,
    claim: `INSERT INTO ${keyspace}.store_writers (id, writer, host, pid, since, heartbeat_at, identity) VALUES (?, ?, ?, ?, ?, ?, ?) USING TTL ${CLAIM_TTL_S}`,
    release: `DELETE FROM ${keyspace}.store_writers WHERE id = ? AND writer = ?`,
    // Any window writes a row here: the one table small enough to ask whether the keyspace holds any.
    anyWindow: `SELECT topic FROM ${keyspace}.topic_latest_window LIMIT 1`,
  } as const;
}

/**
 * The Cassandra store's own records (schema.ts: store_job, store_writers) and this process's claim on
 * the keyspace. The claim is written before the others are read, so of two writers that open at once
 * at least one sees the other, and the later gives way; instances of one Kafka job share the keyspace.
 */
export class CassandraClaim {
  private readonly cql: ReturnType<typeof cqlOf>;
  private readonly claim: WriterClaim;
  private readonly writer: string;
  private jobRecorded = false;

  constructor(
    private readonly client: Client,
    keyspace: string,
    private readonly identity: JobIdentity,
  ) {
    this.cql = cqlOf(keyspace);
    this.claim = ownClaim(identity);
    this.writer = `${this.claim.host}:${this.claim.pid}:${this.claim.since}`;
  }

  /** Checks the keyspace's job and writers, and claims it; throws the StoreRefusal of a job that may not write it. */
  async take(names: StoreNames): Promise<void> {
    const refusal = identityRefusal(names, await this.recordedJob(names.store), this.identity, await this.holdsWindows());
    if (refusal !== null) throw refusal;
    await refuseOtherWriters(this.client, this.cql, names, this.claim, async () => {
      await this.heartbeat();
    });
    this.jobRecorded = (await this.recordedJob(names.store)) !== null;
  }

  /** Before the first write's rows: the keyspace records its job. */
  async recordJobOnce(): Promise<void> {
    if (this.jobRecorded) return;
    await this.client.execute(this.cql.recordJob, [ONLY, encodeIdentity(this.identity), Date.now()], OPTIONS);
    this.jobRecorded = true;
  }

  heartbeat(): Promise<unknown> {
    const { host, pid, since } = this.claim;
    return this.client.execute(this.cql.claim, [ONLY, this.writer, host, pid, since, Date.now(), encodeIdentity(this.identity)], OPTIONS);
  }

  release(): Promise<unknown> {
    return this.client.execute(this.cql.release, [ONLY, this.writer], OPTIONS);
  }

  private async recordedJob(where: string): Promise<JobIdentity | null> {
    const row = (await this.client.execute(this.cql.job, [ONLY], OPTIONS)).first();
    return row === null ? null : decodeIdentity(row.get('identity'), where);
  }

  private async holdsWindows(): Promise<boolean> {
    return (await this.client.execute(this.cql.anyWindow, [], OPTIONS)).rows.length > 0;
  }
}

/**
 * Refuses (StoreRefusal, exit 1) when another live process writes the keyspace and may not write it
 * beside `mine`. With `claim`, this process's claim is written first and withdrawn when it gives way.
 */
async function refuseOtherWriters(
  client: Client,
  cql: ReturnType<typeof cqlOf>,
  names: StoreNames,
  mine: WriterClaim,
  claim?: () => Promise<void>,
): Promise<void> {
  await claim?.();
  const rows = (await client.execute(cql.writers, [ONLY], OPTIONS)).rows;
  const others = rows
    .map((row): WriterClaim => ({
      host: row.get('host'),
      pid: row.get('pid'),
      since: numberOf(row.get('since')),
      heartbeatAt: numberOf(row.get('heartbeat_at')),
      identity: decodeIdentity(row.get('identity'), names.store),
    }))
    .filter((other) => !(isOwnClaim(other) && other.since === mine.since) && isAlive(other));
  const blocking = others.find((other) => !mayWriteTogether(mine, other, true) && (claim === undefined || givesWay(mine, other)));
  if (blocking === undefined) return;
  if (claim !== undefined) await client.execute(cql.release, [ONLY, `${mine.host}:${mine.pid}:${mine.since}`], OPTIONS);
  throw writerRefusal(names, blocking);
}

/** --reset's check: no other live process writes the keyspace (whatever its job). */
export function refuseIfWritten(client: Client, keyspace: string, names: StoreNames, identity: JobIdentity): Promise<void> {
  // As a writer of no job can share with none, every live writer blocks a reset.
  return refuseOtherWriters(client, cqlOf(keyspace), names, { ...ownClaim(identity), identity: { ...identity, group: null } });
}

/** --reset's record of the job. */
export async function recordResetJob(client: Client, keyspace: string, identity: JobIdentity): Promise<void> {
  await client.execute(cqlOf(keyspace).recordJob, [ONLY, encodeIdentity(identity), Date.now()], OPTIONS);
}

/** --reset's record of a Kafka job's partitions with nothing delivered (partition_progress, as writeShare keeps it). */
export async function recordNothingDelivered(client: Client, keyspace: string, job: string | null, partitionCount: number): Promise<void> {
  if (job === null) return;
  const progress = `INSERT INTO ${keyspace}.partition_progress (job, partition, ended) VALUES (?, ?, ?)`;
  for (let partition = 0; partition < partitionCount; partition++) await client.execute(progress, [job, partition, false], OPTIONS);
}
