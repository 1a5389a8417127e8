'use strict';
const { Kafka, logLevel } = require('kafkajs');
const cassandra = require('cassandra-driver');
const { KAFKA_BROKERS, CASSANDRA_CONTACT, LOCAL_DC } = require('./endpoints');

/** True when a Kafka broker at BROKERS answers a metadata request within TIMEOUT_MS. */
async function isKafkaAnswering(brokers = KAFKA_BROKERS, timeoutMs = 3000) {
  const admin = new Kafka({
    clientId: 'clickstream-services-probe',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** True when Cassandra at CONTACT answers a query of system.local within TIMEOUT_MS. */
async function isCassandraAnswering(contact = CASSANDRA_CONTACT, timeoutMs = 3000) {
  const client = new cassandra.Client({
    contactPoints: contact.split(','),
    localDataCenter: LOCAL_DC,
    socketOptions: { connectTimeout: timeoutMs, readTimeout: timeoutMs },
  });
  try {
    await client.connect();
    const result = await client.execute('SELECT release_version FROM system.local');
    return result.rowLength === 1;
  } catch {
    return false;
  } finally {
    await client.shutdown().catch(() => {});
  }
}

module.exports = { isKafkaAnswering, isCassandraAnswering };
