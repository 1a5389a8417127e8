'use strict';
// The secured servers of `npm run services -- up`: the broker's SASL_SSL listener (SCRAM-SHA-512 and
// PLAIN over TLS from the private CA) and the secured Cassandra node (TLS with a client certificate of
// that CA, and a password). Their CA, certificates and passwords are in .services/secured. Tests of
// secured clusters register through securedTest, and build their flags here.
const { spawnSync } = require('node:child_process');
const { KAFKA_SECURED_BROKERS, CASSANDRA_SECURED_CONTACT } = require('../../scripts/services/endpoints');
const { USER, materialOf, secret } = require('../../scripts/services/certificates');
const { securedKafkaLogin, securedCassandraLogin, tlsOf } = require('../../scripts/services/probes');
const assert = require('uvu/assert');
const { serverTest } = require('./services');
const { guardedTest } = require('./guarded-test');
const { runCli } = require('./cli');

const material = materialOf();

// The logins are async (kafkajs, cassandra-driver); a child process makes them a synchronous answer, so
// a test file knows before it registers anything, as services.js does for the open servers.
const PROBE = `
const { existsSync } = require('node:fs');
const { USER, materialOf, secret } = require(${JSON.stringify(require.resolve('../../scripts/services/certificates'))});
const { securedKafkaLogin, securedCassandraLogin } = require(${JSON.stringify(require.resolve('../../scripts/services/probes'))});
const { KAFKA_SECURED_BROKERS, CASSANDRA_SECURED_CONTACT } = require(${JSON.stringify(require.resolve('../../scripts/services/endpoints'))});
const oneLine = (error) => (error.innerErrors === undefined ? [error] : Object.values(error.innerErrors)).map((e) => String(e.message).split('\\n')[0]).join('; ');
const material = materialOf();
(async () => {
  if (!existsSync(material.dir)) return ['no certificates and passwords in ' + material.dir];
  const [kafka, cassandra] = await Promise.all([
    securedKafkaLogin(material, 'scram-sha-512'),
    securedCassandraLogin(material, USER, secret(material.cassandraPassword)),
  ]);
  return [
    kafka === null ? null : "Kafka's SASL_SSL listener " + KAFKA_SECURED_BROKERS + ': ' + oneLine(kafka),
    cassandra === null ? null : 'the secured Cassandra ' + CASSANDRA_SECURED_CONTACT + ': ' + oneLine(cassandra),
  ].filter(Boolean);
})().then((problems) => { process.stdout.write(JSON.stringify(problems)); process.exit(0); });
`;

/** What keeps the secured servers from answering as they should, as words; '' when they do (and the open ones answer too). */
function securedProblems() {
  // The open servers too: the secured listener is the open broker's, and tests read offsets through either.
  if (!serverTest.available) return 'the open Kafka and Cassandra';
  const child = spawnSync(process.execPath, ['-e', PROBE], { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
  try {
    return JSON.parse(child.stdout).join('; ');
  } catch {
    return `the secured servers (the probe gave no answer: ${(child.stderr ?? '').split('\n')[0]})`;
  }
}

/** uvu's test for secured-cluster tests: skipped (by name) without the servers, failed with CI=true. */
const securedTest = guardedTest('secured-cluster', securedProblems(), 'start the servers with `npm run services -- up`');

/** Flags of a client of the SASL_SSL listener: its CA, MECHANISM, and the right password (from its file) unless one is given. */
function securedKafkaFlags({ mechanism = 'scram-sha-512', password } = {}) {
  return [
    '--brokers', KAFKA_SECURED_BROKERS, '--kafka-ca', material.ca, '--kafka-sasl', mechanism, '--kafka-user', USER,
    ...(password === undefined ? ['--kafka-password-file', material.kafkaPassword] : ['--kafka-password', password]),
  ];
}

/** The secured Cassandra's CA and the client certificate, as the CLICKSTREAM_* variables of their flags. */
const SECURED_CASSANDRA_TLS_ENV = {
  CLICKSTREAM_CASSANDRA_CA: material.ca,
  CLICKSTREAM_CASSANDRA_CERT: material.clientCert,
  CLICKSTREAM_CASSANDRA_KEY: material.clientKey,
};

/**
 * Flags of a client of the secured Cassandra: its CA and the client certificate (unless `tlsFiles` is
 * false: then they come from SECURED_CASSANDRA_TLS_ENV), and the right password unless one is given.
 */
function securedCassandraFlags({ password, tlsFiles = true } = {}) {
  return [
    '--cassandra', CASSANDRA_SECURED_CONTACT, '--cassandra-user', USER,
    ...(tlsFiles ? ['--cassandra-ca', material.ca, '--cassandra-cert', material.clientCert, '--cassandra-key', material.clientKey] : []),
    ...(password === undefined ? ['--cassandra-password-file', material.cassandraPassword] : ['--cassandra-password', password]),
  ];
}

/** cassandra-driver options for the secured node, for faults.js's readCassandraRows and dropKeyspace. */
function securedCassandraOptions() {
  return {
    contactPoints: [CASSANDRA_SECURED_CONTACT],
    sslOptions: tlsOf(material, { clientCertificate: true }),
    credentials: { username: USER, password: secret(material.cassandraPassword) },
  };
}

/** The real passwords, which no output may show. */
function securedPasswords() {
  return [secret(material.kafkaPassword), secret(material.cassandraPassword)];
}

/** TEXT as a regular expression matching it literally, for patterns that name servers. */
function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Runs `node dist/SCRIPT ARGS`, which must be refused: exit 1 within 30 s (never a hang), `pattern` in
 * stderr, no stack trace. Resolves with the run, for more checks.
 */
async function refusedWithin30s(script, args, pattern, { env } = {}) {
  const started = Date.now();
  const run = await runCli(script, args, { env, timeoutMs: 90_000 });
  const seconds = (Date.now() - started) / 1000;
  // Not the arguments: they may hold a password.
  const what = `${script} (${seconds} s)`;
  assert.is(run.code, 1, `${what}: ${run.stderr.slice(-1500)}`);
  assert.ok(seconds < 30, `${what}: took 30 s or more`);
  assert.match(run.stderr, pattern, what);
  assert.not.match(run.stderr, /\n\s+at /, `${what}: no stack trace`);
  return run;
}

module.exports = {
  refusedWithin30s,
  escapeRegExp,
  securedTest,
  securedKafkaFlags,
  securedCassandraFlags,
  SECURED_CASSANDRA_TLS_ENV,
  securedCassandraOptions,
  securedPasswords,
  material,
  USER,
  KAFKA_SECURED_BROKERS,
  CASSANDRA_SECURED_CONTACT,
};
