'use strict';
// Integration tests call requireServices() first: they run against the servers of `npm run services -- up`.
const { KAFKA_BROKERS, CASSANDRA_CONTACT, LOCAL_DC } = require('../../scripts/services/endpoints');
const { isKafkaAnswering, isCassandraAnswering } = require('../../scripts/services/probes');

let answer;

async function checkServices() {
  const [kafka, cassandra] = await Promise.all([isKafkaAnswering(KAFKA_BROKERS), isCassandraAnswering(CASSANDRA_CONTACT)]);
  if (kafka && cassandra) return true;
  const missing = [kafka ? null : `Kafka (${KAFKA_BROKERS})`, cassandra ? null : `Cassandra (${CASSANDRA_CONTACT})`]
    .filter(Boolean)
    .join(' and ');
  // CI must never pass by skipping.
  if (process.env.CI === 'true') throw new Error(`integration tests need ${missing}, which did not answer; CI must start them with \`npm run services -- up\``);
  console.log(`integration tests skipped: ${missing} not running — start them with \`npm run services -- up\``);
  return false;
}

/** True when Kafka and Cassandra both answer; asked once per process, so the skip line prints once. */
function requireServices() {
  answer ??= checkServices();
  return answer;
}

module.exports = { requireServices, KAFKA_BROKERS, CASSANDRA_CONTACT, LOCAL_DC };
