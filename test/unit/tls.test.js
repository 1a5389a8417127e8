'use strict';
// The TLS flags without any Kafka or Cassandra: bad files are flag errors that never print a key; a CA
// (from a flag or CLICKSTREAM_*) switches TLS on and is trusted for that connection; a client
// certificate is presented; and Cassandra's certificate check names hosts the way the driver connects.
// The certificates are made here with openssl; a Node TLS server stands in for the brokers and nodes.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { execFileSync } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { createServer, rootCertificates } = require('node:tls');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { runCli, startCli, endedFirst } = require('../helpers/cli');
const { waitFor } = require('../helpers/wait');
const { tlsOptionsOf } = require('../../dist/tls/tls-config');
const { cassandraTlsOptionsOf } = require('../../dist/sinks/cassandra/tls');
const { messageOf } = require('../../dist/sinks/cassandra/client');
const { kafkaFailureOf } = require('../../dist/kafka/failures');
const { errors: cassandraErrors } = require('cassandra-driver');

const dir = mkdtempSync(join(tmpdir(), 'clickstream-tls-unit-'));
const file = (name) => join(dir, name);
const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
const newKey = (key) => ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key];

/** A CA, and signed by it a certificate for 127.0.0.1 (the stand-in's) and one for a client (CN=unit-client). */
function makeCertificates() {
  openssl('req', '-x509', ...newKey('ca.key'), '-out', 'ca.pem', '-days', '2', '-subj', '/CN=unit CA', '-addext', 'basicConstraints=critical,CA:TRUE');
  for (const [name, extensions] of [['server', 'subjectAltName=IP:127.0.0.1'], ['client', 'extendedKeyUsage=clientAuth']]) {
    writeFileSync(file(`${name}.ext`), `${extensions}\n`);
    openssl('req', '-new', ...newKey(`${name}.key`), '-out', `${name}.csr`, '-subj', `/CN=unit-${name}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '7', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
  }
  openssl('pkey', '-in', 'client.key', '-aes256', '-passout', 'pass:unit', '-out', 'encrypted.key');
  writeFileSync(file('not-pem.txt'), 'hello\n');
}
makeCertificates();
/** The body of the client key, which no output may show. */
const keyBody = readFileSync(file('client.key'), 'utf8').split('\n').filter((line) => line && !line.startsWith('-----')).join('');

test('bad TLS files are flag errors (exit 2) that name the flag and the file and never print a key', async () => {
  const kafka = ['--source', 'kafka', '--topic', 't'];
  const cases = [
    ['main.js', [...kafka, '--kafka-ca', file('missing.pem')], /--kafka-ca: cannot read .*missing\.pem \(ENOENT\)/],
    ['main.js', [...kafka, '--kafka-ca', file('not-pem.txt')], /--kafka-ca: .*not-pem\.txt holds no PEM certificate/],
    ['main.js', [...kafka, '--kafka-cert', file('client.pem')], /--kafka-cert and --kafka-key go together/],
    ['main.js', [...kafka, '--kafka-cert', file('client.pem'), '--kafka-key', file('encrypted.key')], /--kafka-key: .*encrypted\.key is encrypted/],
    ['main.js', [...kafka, '--kafka-cert', file('client.pem'), '--kafka-key', file('server.key')], /--kafka-key: .*server\.key is not the private key of the certificate in --kafka-cert/],
    ['main.js', [...kafka, '--kafka-cert', file('client.key'), '--kafka-key', file('client.key')], /--kafka-cert: .*client\.key holds no PEM certificate/],
    ['main.js', ['--kafka-ca', file('ca.pem')], /--kafka-ca applies only to --source kafka/],
    ['main.js', ['--sink', 'cassandra', '--cassandra-key', file('client.key')], /--cassandra-cert and --cassandra-key go together/],
    ['main.js', ['--sink', 'cassandra', '--cassandra-cert', file('ca.pem'), '--cassandra-key', file('client.key')], /--cassandra-key: .*client\.key is not the private key/],
    ['main.js', ['--cassandra-ca', file('ca.pem')], /the Cassandra flags apply only to --sink cassandra/],
    ['recommend.js', ['--client', 'c', '--topic', 't', '-n', '1', '--cassandra-ca', file('ca.pem')], /--cassandra-ca needs --store cassandra/],
    ['recommend.js', ['--store', 'cassandra', '--client', 'c', '--topic', 't', '-n', '1', '--cassandra-key', file('not-pem.txt'), '--cassandra-cert', file('client.pem')], /--cassandra-key: .*not-pem\.txt holds no PEM private key/],
    ['produce.js', ['--topic', 't', '--kafka-cert', file('client.pem'), '--kafka-key', file('ca.pem')], /--kafka-key: .*ca\.pem holds no PEM private key/],
  ];
  for (const [script, args, pattern] of cases) {
    const run = await runCli(script, args, { timeoutMs: 20_000 });
    assert.is(run.code, 2, `${script} ${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, pattern);
    assert.not.ok(run.stderr.includes(keyBody) || run.stdout.includes(keyBody), 'the key is printed nowhere');
  }
  const fromEnvironment = await runCli('main.js', ['--sink', 'cassandra'], { env: { CLICKSTREAM_CASSANDRA_CA: file('not-pem.txt') }, timeoutMs: 20_000 });
  assert.is(fromEnvironment.code, 2);
  assert.match(fromEnvironment.stderr, /--cassandra-ca: .*not-pem\.txt holds no PEM certificate .*\(--cassandra-ca came from CLICKSTREAM_CASSANDRA_CA\)/);
});

/**
 * A TLS server on 127.0.0.1 with the certificate of the test CA that wants a client certificate of
 * that CA; it records the subject of each client that completes the handshake, then drops it.
 */
async function standIn() {
  const clients = [];
  const server = createServer(
    { cert: readFileSync(file('server.pem')), key: readFileSync(file('server.key')), ca: readFileSync(file('ca.pem')), requestCert: true, rejectUnauthorized: true },
    (socket) => {
      clients.push(socket.getPeerCertificate().subject.CN);
      socket.destroy();
    },
  );
  server.on('tlsClientError', () => undefined);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { clients, address: `127.0.0.1:${server.address().port}`, close: () => server.close() };
}

/** Starts the CLI and waits until the stand-in has seen its certificate in a completed handshake. */
async function assertHandshake(server, script, args, env) {
  const seen = server.clients.length;
  const run = startCli(script, args, { env, timeoutMs: 60_000 });
  try {
    await waitFor(`${script} to complete a TLS handshake`, () => server.clients.length > seen, { timeoutMs: 20_000, stopIf: endedFirst(run) });
    assert.is(server.clients.at(-1), 'unit-client');
  } finally {
    run.child.kill('SIGKILL');
    await run.exited.catch(() => undefined);
  }
}

test('a CA, from a flag or CLICKSTREAM_*, switches TLS on and is trusted; the client certificate is presented (Kafka and Cassandra clients)', async () => {
  const server = await standIn();
  try {
    const identity = ['--kafka-cert', file('client.pem'), '--kafka-key', file('client.key')];
    await assertHandshake(server, 'produce.js', ['--brokers', server.address, '--topic', 't', '--events', '1', '--kafka-ca', file('ca.pem'), ...identity]);
    await assertHandshake(server, 'main.js', ['--source', 'kafka', '--brokers', server.address, '--topic', 't', '--sink', 'none'], {
      CLICKSTREAM_KAFKA_CA: file('ca.pem'), CLICKSTREAM_KAFKA_CERT: file('client.pem'), CLICKSTREAM_KAFKA_KEY: file('client.key'),
    });
    await assertHandshake(server, 'recommend.js', ['--store', 'cassandra', '--cassandra', server.address, '--client', 'c', '--topic', 't', '-n', '1'], {
      CLICKSTREAM_CASSANDRA_CA: file('ca.pem'), CLICKSTREAM_CASSANDRA_CERT: file('client.pem'), CLICKSTREAM_CASSANDRA_KEY: file('client.key'),
    });
  } finally {
    server.close();
  }
});

test('a given CA is trusted besides the system roots, for that connection only; verification is always on', () => {
  const ca = readFileSync(file('ca.pem'), 'utf8');
  const options = tlsOptionsOf({ ca, clientCertificate: null });
  assert.is(options.rejectUnauthorized, true);
  assert.ok(options.ca.includes(ca));
  assert.ok(rootCertificates.every((root) => options.ca.includes(root)), 'every system root is still trusted');
  assert.is(tlsOptionsOf({ ca: null, clientCertificate: null }).ca, undefined, 'no CA: the defaults');
  assert.is(cassandraTlsOptionsOf({ ca: null, clientCertificate: null }, ['127.0.0.1']).rejectUnauthorized, true, 'cassandra-driver would default it to false');
});

test('Cassandra: a node\'s certificate must name the address connected to or a host name given in --cassandra', () => {
  const tls = { ca: null, clientCertificate: null };
  const check = (contactPoints, address, subjectaltname) => cassandraTlsOptionsOf(tls, contactPoints).checkServerIdentity(address, { subject: {}, subjectaltname });
  assert.is(check(['10.0.0.9'], '10.0.0.9', 'IP Address:10.0.0.9'), undefined);
  assert.instance(check(['10.0.0.9'], '10.0.0.9', 'DNS:db1.example.com'), Error);
  // The driver connects to the address a name resolved to: the name given is what the certificate may name.
  assert.is(check(['db1.example.com:9142', '10.0.0.7'], '10.0.0.9', 'DNS:db1.example.com'), undefined);
  assert.instance(check(['db1.example.com:9142'], '10.0.0.9', 'DNS:db2.example.com'), Error);
  assert.match(check(['127.0.0.1'], '127.0.0.2', 'IP Address:127.0.0.1').message, '127.0.0.2');
});

/** An error as kafkajs makes them: its class name, the broker, Node's code, what it wraps. */
function kafkajsError(name, message, { broker, code, cause } = {}) {
  return Object.assign(new Error(message, { cause }), { name, broker, code });
}

test('a connection dropped at once is explained only while connecting; later it is an outage and keeps the client\'s words', () => {
  const plaintext = { brokers: ['b1:9094'], tls: null, sasl: null };
  const closed = kafkajsError('KafkaJSConnectionClosedError', 'Closed connection', { broker: 'b1:9094' });
  const retried = kafkajsError('KafkaJSNumberOfRetriesExceeded', 'Closed connection', { cause: closed });
  assert.is(
    kafkaFailureOf(retried, plaintext, { connecting: true }),
    'Kafka at b1:9094 closed the connection without answering: if this listener wants TLS (SSL or SASL_SSL), give --kafka-tls (and --kafka-ca for a private CA)',
  );
  assert.is(kafkaFailureOf(retried, plaintext), 'Kafka at b1:9094: Closed connection');
  const untrusted = kafkajsError('KafkaJSConnectionError', 'Connection error: self-signed certificate in certificate chain', { broker: 'b1:9094', code: 'SELF_SIGNED_CERT_IN_CHAIN' });
  assert.match(kafkaFailureOf(untrusted, { ...plaintext, tls: { ca: null, clientCertificate: null } }), /^cannot connect to Kafka at b1:9094: its TLS certificate is not signed by a CA trusted here/);
  const sasl = { brokers: ['b1:9094', 'b2:9094'], tls: null, sasl: { mechanism: 'plain', username: 'u', password: 'p' } };
  const refused = kafkajsError('KafkaJSSASLAuthenticationError', 'SASL PLAIN authentication failed: Authentication failed: Invalid username or password');
  assert.is(kafkaFailureOf(refused, sasl), 'authentication failed at Kafka b1:9094,b2:9094 (SASL PLAIN as user u): Authentication failed: Invalid username or password');
  assert.is(kafkaFailureOf(new Error('This server does not host this topic-partition'), sasl), 'This server does not host this topic-partition');

  const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
  const noHost = new cassandraErrors.NoHostAvailableError({ '127.0.0.1:9142': reset });
  assert.is(messageOf(noHost, { tls: false }), '127.0.0.1:9142: it closed the connection at once (read ECONNRESET): if this port wants TLS, give --cassandra-tls (and --cassandra-ca for a private CA)');
  assert.is(messageOf(noHost), '127.0.0.1:9142: read ECONNRESET', 'a write that lost its connection mid-run');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
