'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { CASSANDRA_CONTACT } = require('./endpoints');
const { isCassandraAnswering } = require('./probes');
const { classpathOf } = require('./maven');
const { renderTemplate, readOptions } = require('./templates');

// Stopping on OutOfMemoryError is safer than running on with half-applied writes.
const MEMORY = ['-Xms1g', '-Xmx1g', '-XX:+ExitOnOutOfMemoryError'];
// A lone seed node has no peers: nothing to wait for at startup, nobody to announce its shutdown to.
const SINGLE_NODE = [
  '-Dcassandra.skip_wait_for_gossip_to_settle=0',
  '-Dcassandra.ring_delay_ms=1000',
  '-Dcassandra.shutdown_announce_in_ms=0',
];
// nodetool can reach JMX on 127.0.0.1:7199 only; nothing listens remotely.
const JMX = ['-Dcassandra.jmx.local.port=7199'];

function filesOf(paths) {
  return {
    yaml: path.join(paths.conf, 'cassandra.yaml'),
    logback: path.join(paths.conf, 'logback.xml'),
  };
}

/** Writes cassandra.yaml (data under .services/cassandra) and the logging configuration. */
async function prepare(paths) {
  const files = filesOf(paths);
  renderTemplate('cassandra.yaml', files.yaml, { DATA_DIR: paths.data });
  renderTemplate('cassandra-logback.xml', files.logback);
}

/** jamm measures object sizes for memtable accounting; Cassandra's own scripts load it as an agent. */
function jammAgent(paths) {
  const jar = fs.readdirSync(paths.lib).find((file) => /^jamm-.*\.jar$/.test(file));
  return jar ? [`-javaagent:${path.join(paths.lib, jar)}`] : [];
}

function javaArgs(paths) {
  const files = filesOf(paths);
  return [
    ...MEMORY, ...readOptions('cassandra-jvm17.options'), ...jammAgent(paths), ...SINGLE_NODE, ...JMX,
    '-Dcassandra-foreground=yes',
    `-Dcassandra.config=${pathToFileURL(files.yaml)}`,
    `-Dcassandra.storagedir=${paths.data}`,
    `-Dcassandra.logdir=${path.dirname(paths.log)}`,
    `-Dlogback.configurationFile=${files.logback}`,
    '-cp', classpathOf(paths), 'org.apache.cassandra.service.CassandraDaemon',
  ];
}

module.exports = {
  name: 'cassandra',
  endpoint: CASSANDRA_CONTACT,
  isAnswering: () => isCassandraAnswering(),
  prepare,
  javaArgs,
};
