'use strict';
// Where the local services listen; integration tests connect to the same addresses. Everything is on
// loopback. CLICKSTREAM_SERVICES_PORT_OFFSET=N (for `npm run services` and the tests alike) shifts
// every port by N, so a second set of servers can run beside a first one, e.g. for a second clone.

/** Every port stays below 32768, where Linux starts handing out ephemeral ports that could clash. */
const MAX_OFFSET = 23_000;

function portOffset() {
  const text = process.env.CLICKSTREAM_SERVICES_PORT_OFFSET ?? '';
  if (text === '') return 0;
  const offset = Number(text);
  if (!Number.isInteger(offset) || offset < 0 || offset > MAX_OFFSET) {
    throw new Error(`CLICKSTREAM_SERVICES_PORT_OFFSET must be an integer from 0 to ${MAX_OFFSET}, not "${text}"`);
  }
  return offset;
}

const OFFSET = portOffset();
const HOST = '127.0.0.1';
const PORTS = {
  kafka: OFFSET + 9092,
  kafkaController: OFFSET + 9093,
  // The same broker's SASL_SSL listener (SCRAM-SHA-512 and PLAIN over TLS from the private CA).
  kafkaSecured: OFFSET + 9094,
  cassandra: OFFSET + 9042,
  cassandraStorage: OFFSET + 7000,
  cassandraJmx: OFFSET + 7199,
  // A second, small Cassandra node of its own cluster: password authentication, TLS required.
  cassandraSecured: OFFSET + 9142,
  cassandraSecuredStorage: OFFSET + 7100,
  cassandraSecuredJmx: OFFSET + 7299,
};

const KAFKA_BROKERS = `${HOST}:${PORTS.kafka}`;
const KAFKA_SECURED_BROKERS = `${HOST}:${PORTS.kafkaSecured}`;
const CASSANDRA_CONTACT = `${HOST}:${PORTS.cassandra}`;
const CASSANDRA_SECURED_CONTACT = `${HOST}:${PORTS.cassandraSecured}`;
const LOCAL_DC = 'datacenter1';

module.exports = { HOST, PORTS, KAFKA_BROKERS, KAFKA_SECURED_BROKERS, CASSANDRA_CONTACT, CASSANDRA_SECURED_CONTACT, LOCAL_DC };
