'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { CASSANDRA_CONTACT, CASSANDRA_SECURED_CONTACT, PORTS } = require('./endpoints');
const { isCassandraAnswering, securedCassandraLogin, isAuthenticationError } = require('./probes');
const { classpathOf } = require('./maven');
const { renderTemplate, readOptions } = require('./templates');
const { USER, ensureCertificates, secret } = require('./certificates');
const { ensureSecuredRole } = require('./cassandra-roles');

// Stopping on OutOfMemoryError is safer than running on with half-applied writes.
const ON_OOM = ['-XX:+ExitOnOutOfMemoryError'];
// A lone seed node has no peers: nothing to wait for at startup, nobody to announce its shutdown to.
const SINGLE_NODE = [
  '-Dcassandra.skip_wait_for_gossip_to_settle=0',
  '-Dcassandra.ring_delay_ms=1000',
  '-Dcassandra.shutdown_announce_in_ms=0',
];

function filesOf(paths) {
  return {
    yaml: path.join(paths.conf, 'cassandra.yaml'),
    logback: path.join(paths.conf, 'logback.xml'),
  };
}

/** jamm measures object sizes for memtable accounting; Cassandra's own scripts load it as an agent. */
function jammAgent(paths) {
  const jar = fs.readdirSync(paths.lib).find((file) => /^jamm-.*\.jar$/.test(file));
  return jar ? [`-javaagent:${path.join(paths.lib, jar)}`] : [];
}

/** A Cassandra node run from the same jars: NODE says its name, ports, heap and what its cassandra.yaml adds. */
function cassandraNode(node) {
  /** Writes cassandra.yaml (data under .services/NAME) and the logging configuration. */
  async function prepare(paths) {
    const files = filesOf(paths);
    renderTemplate('cassandra.yaml', files.yaml, {
      DATA_DIR: paths.data,
      CLUSTER_NAME: node.clusterName,
      STORAGE_PORT: node.storagePort,
      NATIVE_PORT: node.nativePort,
      ...(await node.security()),
    });
    fs.chmodSync(files.yaml, 0o600);
    renderTemplate('cassandra-logback.xml', files.logback);
  }

  function javaArgs(paths) {
    const files = filesOf(paths);
    return [
      `-Xms${node.heap}`, `-Xmx${node.heap}`, ...ON_OOM, ...readOptions('cassandra-jvm17.options'), ...jammAgent(paths),
      ...SINGLE_NODE, ...node.properties,
      // nodetool can reach JMX on loopback only; nothing listens remotely.
      `-Dcassandra.jmx.local.port=${node.jmxPort}`,
      '-Dcassandra-foreground=yes',
      `-Dcassandra.config=${pathToFileURL(files.yaml)}`,
      `-Dcassandra.storagedir=${paths.data}`,
      `-Dcassandra.logdir=${path.dirname(paths.log)}`,
      `-Dlogback.configurationFile=${files.logback}`,
      '-cp', classpathOf(paths), 'org.apache.cassandra.service.CassandraDaemon',
    ];
  }

  return {
    name: node.name,
    distribution: 'cassandra',
    endpoint: node.contact,
    isAnswering: node.isAnswering,
    prepare,
    afterReady: node.afterReady,
    javaArgs,
  };
}

/** The open node every test but the secured ones uses, and the README's commands. */
const open = cassandraNode({
  name: 'cassandra',
  contact: CASSANDRA_CONTACT,
  clusterName: 'clickstream',
  storagePort: PORTS.cassandraStorage,
  nativePort: PORTS.cassandra,
  jmxPort: PORTS.cassandraJmx,
  heap: '1g',
  properties: [],
  security: async () => ({ AUTHENTICATOR: 'AllowAllAuthenticator', CLIENT_ENCRYPTION: '# Clients connect without TLS or a password.' }),
  isAnswering: () => isCassandraAnswering(),
});

/** Client encryption required (no plaintext on the port), with client certificates checked against the private CA. */
function clientEncryptionOf(material) {
  const storePassword = secret(material.storePassword);
  return [
    'client_encryption_options:',
    '  enabled: true',
    '  optional: false',
    '  store_type: PKCS12',
    `  keystore: ${material.serverKeystore}`,
    `  keystore_password: ${storePassword}`,
    '  require_client_auth: true',
    `  truststore: ${material.truststore}`,
    `  truststore_password: ${storePassword}`,
  ].join('\n');
}

/**
 * The secured node: a small cluster of its own (other ports, half the heap) that takes clients only
 * over TLS with a client certificate of the private CA, and only with a password.
 */
const secured = cassandraNode({
  name: 'cassandra-secured',
  contact: CASSANDRA_SECURED_CONTACT,
  clusterName: 'clickstream-secured',
  storagePort: PORTS.cassandraSecuredStorage,
  nativePort: PORTS.cassandraSecured,
  jmxPort: PORTS.cassandraSecuredJmx,
  heap: '512m',
  // The default superuser exists at once rather than after 10 s, so `up` can make the test user.
  properties: ['-Dcassandra.superuser_setup_delay_ms=0'],
  security: async () => {
    const { material } = await ensureCertificates();
    return { AUTHENTICATOR: 'PasswordAuthenticator', CLIENT_ENCRYPTION: clientEncryptionOf(material) };
  },
  // Answering means answering over TLS; a refused password is an answer too (the user comes after).
  isAnswering: async () => {
    const { material } = await ensureCertificates();
    const failure = await securedCassandraLogin(material, USER, secret(material.cassandraPassword));
    return failure === null || isAuthenticationError(failure);
  },
  afterReady: ensureSecuredRole,
});

module.exports = { open, secured };
