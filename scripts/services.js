#!/usr/bin/env node
'use strict';
// Local Apache Kafka and Apache Cassandra for development and integration tests, from Maven Central jars.
const kafka = require('./services/kafka');
const cassandra = require('./services/cassandra');
const { up, down, status } = require('./services/lifecycle');
const { requireJava } = require('./services/tools');
const { KAFKA_BROKERS, KAFKA_SECURED_BROKERS, CASSANDRA_CONTACT, CASSANDRA_SECURED_CONTACT } = require('./services/endpoints');

// The secured node is its own server (own data, ports, log); the secured Kafka listener is the broker's.
const SERVICES = { kafka, cassandra: cassandra.open, 'cassandra-secured': cassandra.secured };
const COMMANDS = { up, down, status };
const USAGE = `usage: npm run services -- <up|down|status> [kafka|cassandra|cassandra-secured] [--wipe]
  up       resolve the jars (first time), start the servers and wait until they answer
  down     stop the servers this script started; --wipe also deletes their data and logs
  status   show whether each server is running and answering
kafka is one broker: PLAINTEXT on ${KAFKA_BROKERS} and, for the tests of a secured cluster, SASL_SSL on
${KAFKA_SECURED_BROKERS}; cassandra is the open node on ${CASSANDRA_CONTACT}, cassandra-secured a node that takes only
TLS with a client certificate and a password on ${CASSANDRA_SECURED_CONTACT}. Their CA, certificates and
passwords are made once in .services/secured.`;

function parseArgs(argv) {
  const [command, ...rest] = argv;
  const flags = rest.filter((arg) => arg.startsWith('-'));
  const names = rest.filter((arg) => !arg.startsWith('-'));
  const unknown = [
    ...(command in COMMANDS ? [] : [command ?? '(no command)']),
    ...names.filter((name) => !(name in SERVICES)),
    ...flags.filter((flag) => flag !== '--wipe' || command !== 'down'),
  ];
  const services = (names.length ? names : Object.keys(SERVICES)).map((name) => SERVICES[name]);
  return { command, services, wipe: flags.includes('--wipe'), unknown };
}

// Both servers start and stop in parallel; one failing does not stop the other.
function inParallel(args) {
  return Promise.allSettled(args.services.map((service) => COMMANDS[args.command](service, args)));
}

// Status lines come out in a fixed order.
async function inOrder(args) {
  const results = [];
  for (const service of args.services) {
    const [result] = await Promise.allSettled([COMMANDS[args.command](service, args)]);
    results.push(result);
  }
  return results;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (['--help', '-h', 'help'].includes(args.command)) {
    console.log(USAGE);
    return 0;
  }
  if (args.unknown.length) {
    console.error(`not understood: ${args.unknown.join(' ')}\n${USAGE}`);
    return 2;
  }
  if (args.command === 'up') requireJava();
  const results = await (args.command === 'status' ? inOrder(args) : inParallel(args));
  const failures = results.filter((result) => result.status === 'rejected');
  for (const { reason } of failures) console.error(reason.message);
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error.message);
    process.exit(1);
  },
);
