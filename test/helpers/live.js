'use strict';
// The live-path tests' tools: a producer that writes events stamped with the current time into chosen
// partitions while a job runs, each client in the partition Kafka's default partitioner gives it (or
// deliberately elsewhere), and a watch over a sink's windows that notes when each one first appears.
const { readFileSync, existsSync } = require('node:fs');
const cassandra = require('cassandra-driver');
const { kafka, partitionOfClient } = require('./faults');
const { CASSANDRA_CONTACT, LOCAL_DC } = require('./services');
const { rng } = require('./events');
const { logLinesOf } = require('./http');

const TOPICS = ['Action', 'Comedy'];
const PAGES = ['Heat', 'Up', 'Alien', 'Amélie'];

/** `count` client ids whose key Kafka's default partitioner puts in `partition` of `partitions`. */
function clientsOf(partition, partitions, count, prefix = 'live') {
  const clients = [];
  for (let i = 0; clients.length < count; i++) {
    const client = `${prefix}-${i}`;
    if (partitionOfClient(client, partitions) === partition) clients.push(client);
  }
  return clients;
}

/** The JSON line of an event (timestamps with milliseconds, UTC). */
function lineOf(event) {
  return JSON.stringify({ client_id: event.client, timestamp: new Date(event.ts).toISOString(), url: { topic: event.topic, page: event.page } });
}

/**
 * Writes events stamped with the wall time while a job runs: `burst(partitions)` sends one event to
 * each of the partitions at once, keyed by its client; `every(ms, partitions)` bursts on a timer
 * until `stop()`. Every event sent is kept in `events` ({ client, topic, page, ts, partition, home, sentAt },
 * sentAt once the broker acknowledged it), in the order sent. Clients come from a small pool per
 * partition, or with `unique` each event has a client of its own (so the tables tell which events
 * counted); `misplace(index)` sends the index-th event to the next partition, not its client's.
 */
class LiveProducer {
  constructor(topic, partitions, { seed = 7, clientsPerPartition = 6, unique = false, misplace = () => false } = {}) {
    this.topic = topic;
    this.partitions = partitions;
    this.random = rng(seed);
    this.prefix = `live${seed}`;
    this.clients = Array.from({ length: partitions }, (_, p) => clientsOf(p, partitions, clientsPerPartition, this.prefix));
    this.unique = unique;
    this.misplace = misplace;
    this.events = [];
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.connected = this.producer.connect();
    this.sending = Promise.resolve();
    this.timer = null;
  }

  /** One event to each partition, all stamped now; resolves once acknowledged. */
  burst(partitions) {
    const ts = Date.now();
    const batch = partitions.map((partition) => {
      const event = {
        client: this.clientFor(partition),
        topic: TOPICS[Math.floor(this.random() * TOPICS.length)],
        page: PAGES[Math.floor(this.random() * PAGES.length)],
        ts,
        partition,
        /** The partition its client belongs in. */
        home: partition,
        sentAt: null,
      };
      // A misplaced event goes to the next partition, where its client does not belong.
      if (this.misplace(this.events.length)) event.partition = (partition + 1) % this.partitions;
      this.events.push(event);
      return event;
    });
    this.sending = this.sending.then(async () => {
      await this.connected;
      await this.producer.send({ topic: this.topic, acks: -1, messages: batch.map((e) => ({ partition: e.partition, key: e.client, value: lineOf(e) })) });
      const at = Date.now();
      for (const event of batch) event.sentAt = at;
    });
    return this.sending;
  }

  /** A client of the partition's pool, or with `unique` one never used before (the pool grows). */
  clientFor(partition) {
    const pool = this.clients[partition];
    if (!this.unique) return pool[Math.floor(this.random() * pool.length)];
    const used = this.events.filter((e) => partitionOfClient(e.client, this.partitions) === partition).length;
    if (used >= pool.length) this.clients[partition] = clientsOf(partition, this.partitions, 2 * pool.length + 16, this.prefix);
    return this.clients[partition][used];
  }

  every(ms, partitions) {
    this.stopTimer();
    void this.burst(partitions);
    this.timer = setInterval(() => void this.burst(partitions), ms);
  }

  stopTimer() {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Stops bursting and waits for what is in flight. */
  async stop() {
    this.stopTimer();
    await this.sending;
  }

  async close() {
    this.stopTimer();
    await this.sending.catch(() => undefined);
    await this.producer.disconnect();
  }
}

/**
 * Notes when each window of a sink first appears: `read()` returns [{ window_end, events }] (a table
 * not there yet reads as none); polled every `intervalMs` until `stop()`. `seen` maps window_end to
 * { at, events } as first seen.
 */
class WindowWatch {
  constructor(read, intervalMs = 200) {
    this.seen = new Map();
    this.latest = [];
    this.read = read;
    this.polling = true;
    this.done = this.poll(intervalMs);
  }

  async poll(intervalMs) {
    while (this.polling) {
      try {
        this.latest = await this.read();
        const at = Date.now();
        for (const { window_end, events } of this.latest) if (!this.seen.has(window_end)) this.seen.set(window_end, { at, events });
      } catch (error) {
        if (!/unconfigured table|does not exist|ENOENT/i.test(String(error))) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  async stop() {
    this.polling = false;
    await this.done;
    await this.read.close?.();
  }
}

/** A JSONL sink's windows rows so far (complete lines only). */
function jsonlWindows(path) {
  return async () => {
    if (!existsSync(path)) return [];
    const text = readFileSync(path, 'utf8');
    return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean).map((line) => JSON.parse(line)).filter((row) => row.table === 'windows');
  };
}

/** A Cassandra keyspace's windows rows, through one client kept until `close()`. */
function cassandraWindows(keyspace) {
  const client = new cassandra.Client({ contactPoints: [CASSANDRA_CONTACT], localDataCenter: LOCAL_DC });
  const read = async () => {
    const result = await client.execute(`SELECT window_end, events FROM ${keyspace}.windows`, [], { prepare: true });
    return result.rows.map((row) => ({ window_end: Number(row.window_end), events: Number(row.events) }));
  };
  read.close = () => client.shutdown();
  return read;
}

/**
 * When the event-clock watermark, with lateness `latenessMs`, passed `windowEnd` over `partitions`:
 * once each of them had sent an event at or after windowEnd + lateness (the latest of their first such
 * sends), or null if one never did.
 */
function watermarkPassedAt(events, partitions, windowEnd, latenessMs) {
  let passed = -Infinity;
  for (const partition of partitions) {
    const first = events.find((e) => e.partition === partition && e.ts >= windowEnd + latenessMs);
    if (first === undefined || first.sentAt === null) return null;
    passed = Math.max(passed, first.sentAt);
  }
  return passed;
}

/** The partitions an instance reported owning in its latest "assigned …" log line, or null before one. */
function ownedBy(run) {
  const lines = logLinesOf(run.output().stderr).filter((line) => typeof line.msg === 'string' && line.msg.startsWith('assigned '));
  return lines.length === 0 ? null : lines[lines.length - 1].owned;
}

module.exports = { LiveProducer, WindowWatch, clientsOf, lineOf, jsonlWindows, cassandraWindows, watermarkPassedAt, ownedBy };
