'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { KAFKA_BROKERS, KAFKA_SECURED_BROKERS, PORTS } = require('./endpoints');
const { USER, ensureCertificates, secret } = require('./certificates');
const { isKafkaAnswering, securedKafkaLogin } = require('./probes');
const { classpathOf } = require('./maven');
const { renderTemplate } = require('./templates');
const { run } = require('./run');
const { sleep } = require('./processes');

// base64url of "clickstream-dev1": a fixed id makes formatting again after --wipe deterministic.
const CLUSTER_ID = 'Y2xpY2tzdHJlYW0tZGV2MQ';
const HEAP = ['-Xms512m', '-Xmx1g'];
// The GC flags of Kafka's own kafka-run-class.sh.
const GC = ['-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35', '-XX:+ExplicitGCInvokesConcurrent'];
/** How long a SCRAM credential written to the cluster metadata may take to reach the listener. */
const CREDENTIAL_WAIT_MS = 30_000;

function filesOf(paths) {
  return {
    logDirs: path.join(paths.data, 'kraft-logs'),
    serverProperties: path.join(paths.conf, 'server.properties'),
    log4j: path.join(paths.conf, 'log4j.properties'),
  };
}

function loggingFlags(paths) {
  return [`-Dlog4j.configuration=file:${filesOf(paths).log4j}`, `-Dkafka.logs.dir=${path.dirname(paths.log)}`];
}

function isFormatted(files) {
  return fs.existsSync(path.join(files.logDirs, 'meta.properties'));
}

/** `java -cp <the broker's jars> CLASS ARGS`, failing with its output. */
async function runTool(paths, what, mainClass, args) {
  const { code, output } = await run('java', [...loggingFlags(paths), '-cp', classpathOf(paths), mainClass, ...args]);
  if (code !== 0) throw new Error(`kafka: ${what} failed (exit ${code}):\n${output.trim()}`);
}

const scramCredential = (password) => `SCRAM-SHA-512=[name=${USER},password=${password}]`;

/** Formats the KRaft storage with the SCRAM user of the SASL_SSL listener already in the metadata. */
function formatStorage(paths, files, password) {
  return runTool(paths, 'formatting storage', 'kafka.tools.StorageTool', [
    'format', '-t', CLUSTER_ID, '-c', files.serverProperties, '--add-scram', scramCredential(password),
  ]);
}

/** Writes the broker's configuration and formats its KRaft storage on first start. */
async function prepare(paths) {
  const files = filesOf(paths);
  const { material } = await ensureCertificates();
  const password = secret(material.kafkaPassword);
  renderTemplate('kafka-server.properties', files.serverProperties, {
    DATA_DIR: files.logDirs,
    PORT: PORTS.kafka,
    CONTROLLER_PORT: PORTS.kafkaController,
    SECURED_PORT: PORTS.kafkaSecured,
    KEYSTORE: material.serverKeystore,
    STORE_PASSWORD: secret(material.storePassword),
    USER,
    PASSWORD: password,
  });
  fs.chmodSync(files.serverProperties, 0o600);
  renderTemplate('kafka-log4j.properties', files.log4j);
  if (!isFormatted(files)) await formatStorage(paths, files, password);
}

/** The error of a SASL login at the SASL_SSL listener with each mechanism, or null when both log in. */
async function loginFailure(material) {
  for (const mechanism of ['scram-sha-512', 'plain']) {
    const error = await securedKafkaLogin(material, mechanism);
    if (error !== null) return { mechanism, error };
  }
  return null;
}

/**
 * The SASL_SSL listener answers and user clickstream logs in with both mechanisms. Storage formatted
 * by an older version of this script has no SCRAM user: it is added here (ConfigCommand over the
 * PLAINTEXT listener). A broker started from an older configuration has no such listener (or an old
 * PLAIN password) and must be restarted, which `up` never does on its own.
 */
async function afterReady(paths, say) {
  const { material } = await ensureCertificates();
  let failure = await loginFailure(material);
  if (failure?.mechanism === 'scram-sha-512' && failure.error.name === 'KafkaJSSASLAuthenticationError') {
    say(`adding the SCRAM-SHA-512 user ${USER} for ${KAFKA_SECURED_BROKERS}`);
    const password = secret(material.kafkaPassword);
    await runTool(paths, 'adding the SCRAM user', 'kafka.admin.ConfigCommand', [
      '--bootstrap-server', KAFKA_BROKERS, '--alter', '--entity-type', 'users', '--entity-name', USER,
      '--add-config', `SCRAM-SHA-512=[password=${password}]`,
    ]);
    const deadline = Date.now() + CREDENTIAL_WAIT_MS;
    while ((failure = await loginFailure(material))?.mechanism === 'scram-sha-512' && Date.now() < deadline) await sleep(500);
  }
  if (failure !== null) {
    throw new Error(
      `kafka: user ${USER} cannot log in with ${failure.mechanism.toUpperCase()} at the SASL_SSL listener ${KAFKA_SECURED_BROKERS} ` +
        `(${failure.error.message}); a broker started from an older configuration must be restarted: ` +
        '`npm run services -- down kafka && npm run services -- up kafka`',
    );
  }
  say(`SASL_SSL on ${KAFKA_SECURED_BROKERS}: user ${USER} logs in with SCRAM-SHA-512 and PLAIN`);
}

function javaArgs(paths) {
  return [
    ...HEAP, ...GC, '-Djava.awt.headless=true', ...loggingFlags(paths),
    '-cp', classpathOf(paths), 'kafka.Kafka', filesOf(paths).serverProperties,
  ];
}

module.exports = {
  name: 'kafka',
  endpoint: KAFKA_BROKERS,
  isAnswering: () => isKafkaAnswering(),
  prepare,
  afterReady,
  javaArgs,
};
