'use strict';
const fs = require('node:fs');
const { Kafka, logLevel } = require('kafkajs');
const cassandra = require('cassandra-driver');
const { KAFKA_BROKERS, KAFKA_SECURED_BROKERS, CASSANDRA_CONTACT, CASSANDRA_SECURED_CONTACT, LOCAL_DC } = require('./endpoints');

/** Resolves with null when a Kafka admin at BROKERS connects and describes the cluster within TIMEOUT_MS, else with the error. */
async function kafkaFailure(brokers, { ssl, sasl, timeoutMs = 3000 } = {}) {
  const admin = new Kafka({
    clientId: 'clickstream-services-probe',
    brokers: brokers.split(','),
    ssl,
    sasl,
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    authenticationTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 ? null : new Error('no brokers in the cluster');
  } catch (error) {
    return error;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** True when a Kafka broker at BROKERS answers a metadata request within TIMEOUT_MS. */
async function isKafkaAnswering(brokers = KAFKA_BROKERS, timeoutMs = 3000) {
  return (await kafkaFailure(brokers, { timeoutMs })) === null;
}

/** TLS trusting the private CA alone (cassandra-driver verifies nothing unless told), with the client certificate when asked. */
function tlsOf(material, { clientCertificate = false } = {}) {
  return {
    rejectUnauthorized: true,
    ca: [fs.readFileSync(material.ca)],
    ...(clientCertificate ? { cert: fs.readFileSync(material.clientCert), key: fs.readFileSync(material.clientKey) } : {}),
  };
}

/** Null when user clickstream logs in at the SASL_SSL listener with MECHANISM, else the error. */
function securedKafkaLogin(material, mechanism) {
  const password = fs.readFileSync(material.kafkaPassword, 'utf8').trim();
  return kafkaFailure(KAFKA_SECURED_BROKERS, { ssl: tlsOf(material), sasl: { mechanism, username: 'clickstream', password } });
}

/** Resolves with null when Cassandra at CONTACT answers a query of system.local within TIMEOUT_MS, else with the error. */
async function cassandraFailure(contact, { sslOptions, credentials, timeoutMs = 3000 } = {}) {
  const client = new cassandra.Client({
    contactPoints: contact.split(','),
    localDataCenter: LOCAL_DC,
    socketOptions: { connectTimeout: timeoutMs, readTimeout: timeoutMs },
    ...(sslOptions ? { sslOptions } : {}),
    ...(credentials ? { credentials } : {}),
  });
  try {
    await client.connect();
    const result = await client.execute('SELECT release_version FROM system.local');
    return result.rowLength === 1 ? null : new Error('system.local has no row');
  } catch (error) {
    return error;
  } finally {
    await client.shutdown().catch(() => {});
  }
}

/** True when Cassandra at CONTACT answers a query of system.local within TIMEOUT_MS. */
async function isCassandraAnswering(contact = CASSANDRA_CONTACT, timeoutMs = 3000) {
  return (await cassandraFailure(contact, { timeoutMs })) === null;
}

/** The per-host errors of the driver's NoHostAvailableError (or the error itself). */
function innerErrorsOf(error) {
  return error instanceof cassandra.errors.NoHostAvailableError ? Object.values(error.innerErrors) : [error];
}

/** True when the error is the server refusing the credentials: it answered, over TLS. */
function isAuthenticationError(error) {
  return error !== null && innerErrorsOf(error).some((inner) => inner instanceof cassandra.errors.AuthenticationError);
}

/** Null when USERNAME/PASSWORD log in at the secured Cassandra (TLS, client certificate) and query, else the error. */
function securedCassandraLogin(material, username, password) {
  return cassandraFailure(CASSANDRA_SECURED_CONTACT, { sslOptions: tlsOf(material, { clientCertificate: true }), credentials: { username, password } });
}

module.exports = {
  isKafkaAnswering,
  securedKafkaLogin,
  isCassandraAnswering,
  securedCassandraLogin,
  isAuthenticationError,
  tlsOf,
};
