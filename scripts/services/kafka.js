'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { KAFKA_BROKERS } = require('./endpoints');
const { isKafkaAnswering } = require('./probes');
const { classpathOf } = require('./maven');
const { renderTemplate } = require('./templates');
const { run } = require('./run');

// base64url of "clickstream-dev1": a fixed id makes formatting again after --wipe deterministic.
const CLUSTER_ID = 'Y2xpY2tzdHJlYW0tZGV2MQ';
const HEAP = ['-Xms512m', '-Xmx1g'];
// The GC flags of Kafka's own kafka-run-class.sh.
const GC = ['-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35', '-XX:+ExplicitGCInvokesConcurrent'];

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

async function formatStorage(paths, files) {
  const { code, output } = await run('java', [
    ...loggingFlags(paths), '-cp', classpathOf(paths),
    'kafka.tools.StorageTool', 'format', '-t', CLUSTER_ID, '-c', files.serverProperties,
  ]);
  if (code !== 0) throw new Error(`kafka: formatting storage failed (exit ${code}):\n${output.trim()}`);
}

/** Writes the broker's configuration and formats its KRaft storage on first start. */
async function prepare(paths) {
  const files = filesOf(paths);
  renderTemplate('kafka-server.properties', files.serverProperties, { DATA_DIR: files.logDirs });
  renderTemplate('kafka-log4j.properties', files.log4j);
  if (!isFormatted(files)) await formatStorage(paths, files);
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
  javaArgs,
};
