'use strict';
// Where the local services listen; integration tests connect to the same addresses.
const KAFKA_BROKERS = '127.0.0.1:9092';
const CASSANDRA_CONTACT = '127.0.0.1:9042';
const LOCAL_DC = 'datacenter1';

module.exports = { KAFKA_BROKERS, CASSANDRA_CONTACT, LOCAL_DC };
