'use strict';
// The store rows of `npm run bench`: the rows a job writes for the topic, written into each store
// straight through its driver with no engine in front (the store baseline), and by the job itself
// from Kafka, the two in turns, each round from an empty keyspace or file.
const { mkdirSync, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Client } = require('cassandra-driver');
const { readStoredRows } = require('./stored-rows');
const { writeToCassandra } = require('./cassandra-baseline');
const { writeToSqlite } = require('./sqlite-baseline');
const { withServerCpu } = require('./server-cpu');

/** How long to wait for the node's compactions of one run to end before the next run starts. */
const COMPACTIONS_SETTLE_MS = 180_000;

/** The rows the job writes for the topic: one run into a JSONL file, read back into memory (stored-rows.js). */
async function storedRowsOf(run, kafkaArgs) {
  const dir = mkdtempSync(join(tmpdir(), 'clickstream-bench-rows-'));
  try {
    await run('dist/main.js', [...kafkaArgs('bench-rows'), '--sink', `jsonl:${join(dir, 'rows.jsonl')}`,
      '--dead-letter', join(dir, 'dead-letters.jsonl'), '--threads', '2']);
    return await readStoredRows(join(dir, 'rows.jsonl'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Waits until the node runs no compaction (system_views.sstable_tasks is empty twice in a row), so
 * one run's compactions are counted with it and not in the next run; gives up quietly after a while.
 */
async function compactionsSettled(client) {
  const deadline = Date.now() + COMPACTIONS_SETTLE_MS;
  let quiet = 0;
  while (quiet < 2 && Date.now() < deadline) {
    const tasks = await client.execute('SELECT kind FROM system_views.sstable_tasks');
    quiet = tasks.rowLength === 0 ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** A round's figures: rows a second, and the node's CPU seconds per 1,000 rows (null when /proc cannot tell). */
function storeFigures(rows, seconds, serverCpuSeconds) {
  return {
    rows,
    seconds,
    rowsPerSecond: rows / seconds,
    serverCpuPer1000Rows: serverCpuSeconds === null ? null : (serverCpuSeconds / rows) * 1000,
  };
}

/**
 * `rounds` of the Cassandra store baseline and of the job from Kafka (`jobArgs(round)`), alternating,
 * each into a keyspace dropped first, with the node's CPU over each run and the compactions it left.
 */
async function cassandraRounds({ run, stored, rounds, contact, pid, keyspace, jobArgs }) {
  const admin = new Client({ contactPoints: [contact], localDataCenter: 'datacenter1' });
  await admin.connect();
  const baselines = [];
  const jobs = [];
  const baselineKeyspace = `${keyspace}_baseline`;
  try {
    // The node's CPU over a run and the compactions it left, so a run that ends before its
    // compactions have is not the cheaper for it.
    const measured = (work) => withServerCpu(pid, async () => {
      const result = await work();
      await compactionsSettled(admin);
      return result;
    });
    const baseline = async () => {
      const result = await measured(() => writeToCassandra(stored, { contact, keyspace: baselineKeyspace }));
      baselines.push(storeFigures(result.rows, result.seconds, result.serverCpuSeconds));
    };
    const job = async (round) => {
      await admin.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
      const result = await measured(() => run('dist/main.js', jobArgs(round)));
      jobs.push({ ...storeFigures(result.summary.rows, result.summary.seconds, result.serverCpuSeconds), result });
    };
    await compactionsSettled(admin);
    for (let round = 0; round < rounds; round++) {
      for (const next of round % 2 === 0 ? [baseline, job] : [job, baseline]) await next(round);
    }
    return { baselines, jobs };
  } finally {
    await admin.execute(`DROP KEYSPACE IF EXISTS ${baselineKeyspace}`).catch(() => undefined);
    await admin.shutdown();
  }
}

/** `rounds` of the SQLite store baseline and of the job from Kafka into a new file (`jobArgs(round, path)`), alternating. */
async function sqliteRounds({ run, stored, rounds, jobArgs }) {
  const dir = mkdtempSync(join(tmpdir(), 'clickstream-bench-sqlite-'));
  const baselines = [];
  const jobs = [];
  try {
    for (let round = 0; round < rounds; round++) {
      // Each round's files in a folder of their own, removed after it (a file is about 100 bytes a row).
      const roundDir = join(dir, String(round));
      mkdirSync(roundDir);
      const baseline = async () => {
        const result = writeToSqlite(stored, { path: join(roundDir, 'baseline.db') });
        baselines.push(storeFigures(result.rows, result.seconds, null));
      };
      const job = async () => {
        const result = await run('dist/main.js', jobArgs(round, join(roundDir, 'job.db'), join(roundDir, 'dead-letters.jsonl')));
        jobs.push({ ...storeFigures(result.summary.rows, result.summary.seconds, null), result });
      };
      for (const next of round % 2 === 0 ? [baseline, job] : [job, baseline]) await next();
      rmSync(roundDir, { recursive: true, force: true });
    }
    return { baselines, jobs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Drops `keyspace` at `contact` if it is there: a run of another job would find it held (§4.1). */
async function dropKeyspace(contact, keyspace) {
  const client = new Client({ contactPoints: [contact], localDataCenter: 'datacenter1' });
  await client.connect();
  try {
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  } finally {
    await client.shutdown();
  }
}

module.exports = { storedRowsOf, cassandraRounds, sqliteRounds, dropKeyspace };
