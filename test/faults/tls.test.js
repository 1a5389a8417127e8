'use strict';
// TLS refusals against the secured servers of `npm run services -- up`: a server certificate no trusted
// CA signed, a certificate for another host, a client without the certificate the server demands, and
// a client speaking the wrong protocol for the port. Each run must end within 30 s, exit 1, and say
// which server refused and why. Wrong passwords: credentials.test.js.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { createServer } = require('node:tls');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const {
  securedTest,
  refusedWithin30s,
  escapeRegExp: esc,
  securedKafkaFlags,
  securedCassandraFlags,
  material,
  KAFKA_SECURED_BROKERS,
  CASSANDRA_SECURED_CONTACT,
} = require('../helpers/secured');
const { KAFKA_BROKERS, CASSANDRA_CONTACT } = require('../helpers/services');

const RUN = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'clickstream-tls-faults-'));
const topic = `tls-faults-${RUN}`;
const KAFKA = esc(KAFKA_SECURED_BROKERS);
const CASSANDRA = esc(CASSANDRA_SECURED_CONTACT);

/** Flags of the secured clients, less the ones named (with their values). */
function without(flags, ...names) {
  return flags.filter((arg, i) => !names.includes(arg) && !names.includes(flags[i - 1]));
}

/** A job reading the secured listener (to the end; nothing is there) into no sink, with KAFKA flags. */
const kafkaJob = (kafka) => ['--source', 'kafka', '--topic', topic, '--group', topic, '--stop-at-end', '--sink', 'none', ...kafka];
/** A job writing a few events into the secured Cassandra, with CASSANDRA flags. */
const cassandraJob = (cassandra) => ['--source', 'synthetic:dev', '--events', '50', '--rate', 'max', '--sink', 'cassandra', '--keyspace', `tls_faults_${RUN}`, ...cassandra];

/** The job must be refused with `pattern` (its dead letters, were there any, in a scratch file). */
function failsClearly(script, args, pattern) {
  return refusedWithin30s(script, args, pattern, { env: { CLICKSTREAM_DEAD_LETTER: join(dir, 'dead-letters.jsonl') } });
}

securedTest('a server certificate that no trusted CA signed is refused, naming the server: Kafka and Cassandra, with no CA given and with another CA', async () => {
  const untrusted = 'its TLS certificate is not signed by a CA trusted here \\(self-signed certificate in certificate chain\\)';
  const kafka = without(securedKafkaFlags(), '--kafka-ca');
  const cassandra = without(securedCassandraFlags(), '--cassandra-ca');
  await Promise.all([
    failsClearly('main.js', kafkaJob([...kafka, '--kafka-tls']), new RegExp(`cannot connect to Kafka at ${KAFKA}: ${untrusted}; give the CA that signed it with --kafka-ca`)),
    failsClearly('main.js', kafkaJob([...kafka, '--kafka-ca', material.otherCa]), new RegExp(`cannot connect to Kafka at ${KAFKA}: ${untrusted}`)),
    failsClearly('produce.js', ['--topic', topic, '--events', '1', ...kafka, '--kafka-ca', material.otherCa], new RegExp(`cannot connect to Kafka at ${KAFKA}: ${untrusted}`)),
    failsClearly('main.js', cassandraJob([...cassandra, '--cassandra-tls']), new RegExp(`cannot connect to Cassandra at ${CASSANDRA}: ${CASSANDRA}: ${untrusted}; give the CA that signed it with --cassandra-ca`)),
    failsClearly('recommend.js', ['--store', 'cassandra', '--client', 'c', '--topic', 't', '-n', '3', ...cassandra, '--cassandra-ca', material.otherCa], new RegExp(`${CASSANDRA}: ${untrusted}`)),
  ]);
});

securedTest('host names are verified: the servers\' own certificate (for 127.0.0.1 and localhost) served from 127.0.0.2 is refused by both clients', async () => {
  // A stand-in on another loopback address: the handshake, where the check happens, is all it serves.
  const server = createServer({ cert: readFileSync(material.serverCert), key: readFileSync(material.serverKey) }, (socket) => socket.destroy());
  server.on('tlsClientError', () => undefined);
  await new Promise((resolve) => server.listen(0, '127.0.0.2', resolve));
  const address = `127.0.0.2:${server.address().port}`;
  try {
    const mismatch = `${esc(address)}: its TLS certificate is not for this host \\((?:Hostname/IP does not match certificate's altnames: )?IP: 127\\.0\\.0\\.2 is not in the cert's list`;
    await Promise.all([
      failsClearly('main.js', kafkaJob([...without(securedKafkaFlags(), '--brokers'), '--brokers', address]), new RegExp(`cannot connect to Kafka at ${mismatch}`)),
      failsClearly('main.js', cassandraJob([...without(securedCassandraFlags(), '--cassandra'), '--cassandra', address]), new RegExp(`cannot connect to Cassandra at ${esc(address)}: ${mismatch}`)),
    ]);
  } finally {
    server.close();
  }
});

securedTest('mutual TLS and SASL are asked for by name: the secured Cassandra without a client certificate, the SASL_SSL listener without SASL', async () => {
  await Promise.all([
    failsClearly('main.js', cassandraJob(without(securedCassandraFlags(), '--cassandra-cert', '--cassandra-key')),
      new RegExp(`${CASSANDRA}: it wants a client certificate \\(tlsv13 alert certificate required\\): give --cassandra-cert and --cassandra-key`)),
    failsClearly('main.js', kafkaJob(without(securedKafkaFlags(), '--kafka-sasl', '--kafka-user', '--kafka-password-file')),
      new RegExp(`Kafka at ${KAFKA} closed the connection without answering: if this listener wants SASL \\(SASL_SSL\\), give --kafka-sasl`)),
  ]);
});

securedTest('a plaintext client on a TLS port, and a TLS client on a plaintext port: a clear message, not a hang', async () => {
  const plainKafka = without(securedKafkaFlags(), '--kafka-ca');
  const plainCassandra = without(securedCassandraFlags(), '--cassandra-ca', '--cassandra-cert', '--cassandra-key');
  await Promise.all([
    failsClearly('main.js', kafkaJob(plainKafka), new RegExp(`Kafka at ${KAFKA} closed the connection without answering: if this listener wants TLS \\(SSL or SASL_SSL\\), give --kafka-tls`)),
    failsClearly('main.js', cassandraJob(plainCassandra), new RegExp(`${CASSANDRA}: it closed the connection at once \\(read ECONNRESET\\): if this port wants TLS, give --cassandra-tls`)),
    failsClearly('main.js', kafkaJob(['--brokers', KAFKA_BROKERS, '--kafka-ca', material.ca]),
      new RegExp(`cannot connect to Kafka at ${esc(KAFKA_BROKERS)}: it closed the connection during the TLS handshake .*: is this a plaintext port\\? then connect without TLS`)),
    failsClearly('main.js', cassandraJob(['--cassandra', CASSANDRA_CONTACT, '--cassandra-ca', material.ca]),
      new RegExp(`${esc(CASSANDRA_CONTACT)}: it does not speak TLS on this port \\(wrong version number\\): connect to its TLS port, or without TLS`)),
  ]);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
