'use strict';
// Server tests (test/integration, test/faults) run against the Kafka and Cassandra of
// `npm run services -- up`, through serverTest (see guarded-test.js): without them each is reported
// SKIPPED by name and its hooks never run; with CI=true each fails. Whether the servers answer is
// asked once per process, synchronously, when this module loads, so a test file knows before it
// registers anything.
// TEST_KAFKA_BROKERS / TEST_CASSANDRA_CONTACT point the tests (probe included) elsewhere, e.g. at
// ports nothing listens on, to see what a machine without the servers sees.
const { spawnSync } = require('node:child_process');
const endpoints = require('../../scripts/services/endpoints');
const { guardedTest } = require('./guarded-test');

const KAFKA_BROKERS = process.env.TEST_KAFKA_BROKERS || endpoints.KAFKA_BROKERS;
const CASSANDRA_CONTACT = process.env.TEST_CASSANDRA_CONTACT || endpoints.CASSANDRA_CONTACT;
const { LOCAL_DC } = endpoints;
const PROBE_TIMEOUT_MS = 3_000;

// The probes are async (kafkajs, cassandra-driver); a child process makes them a synchronous answer.
const PROBE = `
const { isKafkaAnswering, isCassandraAnswering } = require(${JSON.stringify(require.resolve('../../scripts/services/probes'))});
const [brokers, contact, timeoutMs] = process.argv.slice(1);
Promise.all([isKafkaAnswering(brokers, Number(timeoutMs)), isCassandraAnswering(contact, Number(timeoutMs))])
  .then(([kafka, cassandra]) => { process.stdout.write(JSON.stringify({ kafka, cassandra })); process.exit(0); });
`;

/** What does not answer, as words ('' when both servers answered). */
function missingServers() {
  const child = spawnSync(process.execPath, ['-e', PROBE, KAFKA_BROKERS, CASSANDRA_CONTACT, String(PROBE_TIMEOUT_MS)], {
    encoding: 'utf8',
    timeout: 4 * PROBE_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  let answer = { kafka: false, cassandra: false };
  try {
    answer = JSON.parse(child.stdout);
  } catch {
    // No answer (the probe timed out or crashed): both count as missing.
  }
  return [answer.kafka ? null : `Kafka (${KAFKA_BROKERS})`, answer.cassandra ? null : `Cassandra (${CASSANDRA_CONTACT})`]
    .filter(Boolean)
    .join(' and ');
}

const serverTest = guardedTest('server', missingServers(), 'start them with `npm run services -- up`');

module.exports = { serverTest, KAFKA_BROKERS, CASSANDRA_CONTACT, LOCAL_DC };
