'use strict';
// An in-process driver of the job's real Pipeline (dist/pipeline/pipeline.js), after Kafka Streams'
// TopologyTestDriver: the test feeds source batches (partition, raw messages, Kafka-like offsets),
// owns the wall clock the pipeline reads (`now`), and reads back what came out — the sink's rows
// (jsonl), the dead letters (kept in memory), the checkpoints the pipeline released as durable, and
// the engine's metrics — without spawning a process or needing Kafka. Worker and writer threads are
// the real ones.
//
// Time: every batch carries an arrival time (the driver's wall time when it was piped, unless given).
// While piped batches are waiting or being processed, `now()` is the arrival of the latest batch the
// pipeline took; once every piped batch is processed it is the driver's wall time. So a batch is
// seen to arrive when the test said, however late the pipeline gets to it, and advancing the wall
// clock with no input lets the pipeline's ticks (real timers, every `batchMs` of real time) close
// the windows the clock passed.
//
// Ending: endInput() ends the source as a bounded source's end does (the pipeline then closes every
// window); stop() is SIGINT/SIGTERM's stop (only what the clock has passed is due). Both wait for the
// run to finish and return its outcome.
const { mkdtempSync, readFileSync, rmSync, existsSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Pipeline } = require('../../dist/pipeline/pipeline');
const { createWindowSpec } = require('../../dist/windows/spec');
const { sortRows } = require('./reference');
const { waitFor } = require('./wait');

const TOPIC = 'harness';

/**
 * A Source (src/sources/source.ts) that owns all its partitions (one assignment, generation 1) and
 * whose batches the driver queues: each from one partition, its messages' positions Kafka-like offsets
 * counted per partition, its checkpoint { partition, offset } the offset after its last message (what a
 * Kafka source would commit).
 */
class TestSource {
  constructor(partitions, onTake) {
    this.description = `test:${partitions} partition(s)`;
    this.job = null;
    this.partitions = partitions;
    this.onTake = onTake;
    this.queue = [];
    this.ended = false;
    this.stopped = false;
    this.wake = null;
    this.released = [];
    this.closed = false;
    /** Partitions the test says have input the source has not read yet (a Kafka lag). */
    this.behind = new Set();
    /** How often the pipeline asked whether a partition is caught up: it asks at every tick. */
    this.caughtUpAsked = 0;
  }

  partitionCount() {
    return this.partitions;
  }

  push(batch) {
    if (this.ended || this.stopped) throw new Error('the input has ended');
    this.queue.push(batch);
    this.notify();
  }

  end() {
    this.ended = true;
    this.notify();
  }

  stop() {
    this.stopped = true;
    this.notify();
  }

  notify() {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  async *events() {
    yield { kind: 'assigned', assignment: { generation: 1, owned: Array.from({ length: this.partitions }, (_, p) => p), partitionCount: this.partitions } };
    for (;;) {
      while (this.queue.length === 0 && !this.ended && !this.stopped) await new Promise((resolve) => (this.wake = resolve));
      if (this.stopped || this.queue.length === 0) return;
      const batch = this.queue.shift();
      this.onTake(batch);
      yield batch;
    }
  }

  /** Caught up unless the test says it is behind, or a batch of it is still queued for the pipeline. */
  isCaughtUp(partition) {
    this.caughtUpAsked++;
    return !this.behind.has(partition) && !this.queue.some((batch) => batch.partition === partition);
  }

  batchDurable(checkpoint) {
    this.released.push(checkpoint);
  }

  async close() {
    this.closed = true;
  }
}

/** Dead letters kept in memory: { reason, detail, position, raw } with raw as text. */
function memoryDeadLetters() {
  const letters = [];
  return {
    letters,
    closed: false,
    write(reason, detail, position, raw) {
      letters.push({ reason, detail, position, raw: Buffer.from(raw).toString('utf8') });
    },
    async close() {
      this.closed = true;
    },
  };
}

/**
 * Starts a Pipeline over a test source. Options: clock 'event' | 'wall'; windowMs, slideMs, graceMs
 * (event clock's lateness; the wall clock has none); batchMs (the tick, real ms); idleTimeoutMs
 * (event clock); threads; partitions (how many the source knows of); sink 'jsonl' | 'none'; start
 * (the initial wall time, ms).
 */
function createHarness({
  clock = 'event',
  windowMs = 10_000,
  slideMs = 5_000,
  graceMs = 0,
  batchMs = 1_000,
  idleTimeoutMs = 30_000,
  threads = 1,
  partitions = 1,
  sink = 'jsonl',
  start = 0,
} = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'clickstream-harness-'));
  const jsonlPath = join(dir, 'out.jsonl');
  let wallTime = start;
  let arrival = start;
  let piped = 0;
  let processed = 0;
  const offsets = Array.from({ length: partitions }, () => 0);
  const source = new TestSource(partitions, (batch) => (arrival = Math.max(arrival, batch.arrival)));
  const deadLetters = memoryDeadLetters();
  const now = () => (processed < piped ? arrival : Math.max(arrival, wallTime));
  const config = {
    source: { kind: 'test' }, // unused: the harness passes its own source
    sink: sink === 'jsonl' ? { kind: 'jsonl', path: jsonlPath } : { kind: 'none' },
    windows: createWindowSpec(windowMs, slideMs, clock === 'event' ? graceMs : 0),
    batchMs,
    clock: clock === 'event' ? { kind: 'event', idleTimeoutMs } : { kind: 'wall' },
    threads,
    deadLetters: { kind: 'file', path: join(dir, 'unused-dead-letters.jsonl') }, // unused: in memory
    identity: { input: 'test', group: null, clock, windowMs, slideMs },
  };
  const pipeline = new Pipeline(config, { source, deadLetters, now });
  const seen = { closedThrough: -Infinity, durableThrough: -Infinity, durableWindows: 0 };
  pipeline.metrics.on('batchProcessed', () => processed++);
  pipeline.metrics.on('windowsClosed', (through) => (seen.closedThrough = Math.max(seen.closedThrough, through)));
  pipeline.metrics.on('windowsDurable', (report) => {
    seen.durableWindows += report.windows;
    if (report.lastWindowEnd !== null) seen.durableThrough = Math.max(seen.durableThrough, report.lastWindowEnd);
  });
  let outcome = null;
  const finished = pipeline.run().then(
    () => (outcome = { error: null }),
    (error) => (outcome = { error }),
  );

  const driver = {
    pipeline,
    /** What the pipeline was built from (its source and dead letters are the driver's own). */
    config,
    source,
    /** Dead letters so far: { reason, detail, position, raw }. */
    deadLetters: deadLetters.letters,
    /** Checkpoints the pipeline released as durable, in order: { partition, offset }. */
    released: source.released,
    metrics: pipeline.metrics,
    /** What the engine announced: the latest closedThrough, the latest durable window end, windows made durable. */
    seen,

    /**
     * Queues one batch of `partition`: messages are strings, Buffers or objects (JSON-encoded). Their
     * positions are the partition's next offsets. `at` is the batch's arrival (default: the wall time).
     */
    pipe(partition, messages, { at = wallTime } = {}) {
      if (!(partition >= 0 && partition < partitions)) throw new Error(`partition ${partition} is not one of the ${partitions}`);
      const raw = messages.map((m) => (Buffer.isBuffer(m) ? m : Buffer.from(typeof m === 'string' ? m : JSON.stringify(m))));
      const first = offsets[partition];
      offsets[partition] += raw.length;
      piped++;
      source.push({
        kind: 'batch',
        generation: 1,
        partition,
        messages: raw,
        position: (index) => ({ kind: 'kafka', topic: TOPIC, partition, offset: String(first + index) }),
        checkpoint: { partition, offset: first + raw.length },
        arrival: at,
      });
    },

    /** The wall time the test has set (what `now()` returns once the piped batches are processed). */
    get wallTime() {
      return wallTime;
    },
    advanceWallClock(ms) {
      wallTime += ms;
    },
    setWallClock(t) {
      if (t < wallTime) throw new Error(`the wall clock does not go back (${t} < ${wallTime})`);
      wallTime = t;
    },
    /** The time the pipeline sees now. */
    now,

    /** Resolves once every piped batch has been processed (parsed, judged late or not, sharded). */
    drained(timeoutMs = 30_000) {
      return driver.waitFor('every piped batch processed', () => processed === piped, { timeoutMs });
    },

    /** waitFor (helpers/wait.js) that gives up at once if the run ended, with its error. */
    waitFor(what, probe, options = {}) {
      return waitFor(what, probe, {
        intervalMs: 10,
        ...options,
        stopIf: () => (outcome === null ? options.stopIf?.() : `the run ended${outcome.error ? `: ${outcome.error.stack}` : ''}`),
      });
    },

    /** Ends the input as a bounded source ends, and waits for the run; throws its error. */
    async endInput() {
      source.end();
      return driver.finished();
    },

    /** Stops the run as a signal does, and waits for it; throws its error. */
    async stop() {
      pipeline.stop();
      return driver.finished();
    },

    /** Waits for the run to end; throws its error. */
    async finished() {
      await finished;
      if (outcome.error) throw outcome.error;
      return driver;
    },

    /** The jsonl sink's rows so far, sorted as reference.js sorts them. */
    rows() {
      if (sink !== 'jsonl') throw new Error('rows() needs the jsonl sink');
      if (!existsSync(jsonlPath)) return [];
      return sortRows(readFileSync(jsonlPath, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)));
    },

    /** The distinct window ends of the `windows` table, ascending. */
    windowEnds() {
      return [...new Set(driver.rows().filter((row) => row.table === 'windows').map((row) => row.window_end))].sort((a, b) => a - b);
    },

    /** Stops the run if it still runs, and deletes the driver's files. */
    async close() {
      if (outcome === null) {
        pipeline.stop();
        await finished;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return driver;
}

module.exports = { createHarness, TOPIC };
