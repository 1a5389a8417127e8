'use strict';
// The store baseline for SQLite: the rows a job wrote (stored-rows.js) inserted straight through
// better-sqlite3 into a new file with the SQLite sink's schema and durability (WAL, synchronous =
// FULL, so each commit is fsynced): one transaction per window, its rows in primary-key order,
// `rowsPerInsert` rows a prepared INSERT, and the job's progress per input partition.
const Database = require('better-sqlite3');
const { schemaSql } = require('../dist/sinks/sqlite/schema');
const { clientOf } = require('./stored-rows');

/** `INSERT INTO table (columns) VALUES (?, …), …` with `rows` rows. */
function insertSql(table, columns, rows) {
  const row = `(${columns.map(() => '?').join(', ')})`;
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${Array.from({ length: rows }, () => row).join(', ')}`;
}

/** A table's inserts of `rowsPerInsert` rows a statement, the rest one by one. */
function inserter(db, table, columns, rowsPerInsert) {
  const many = db.prepare(insertSql(table, columns, rowsPerInsert));
  const one = db.prepare(insertSql(table, columns, 1));
  const values = [];
  return {
    add(...row) {
      values.push(...row);
      if (values.length === rowsPerInsert * columns.length) {
        many.run(values);
        values.length = 0;
      }
    },
    end() {
      for (let at = 0; at < values.length; at += columns.length) one.run(values.slice(at, at + columns.length));
      values.length = 0;
    },
  };
}

const TIMES = ['window_start', 'window_end', 'window_ts'];

/** Writes every stored row into a new database at `path`; resolves with the rows and the seconds the writes took. */
function writeToSqlite(stored, { path, rowsPerInsert = 64, partitions = 3, job = 'bench/baseline' }) {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('wal_autocheckpoint = 16384');
    db.exec(schemaSql());
    const visits = inserter(db, 'client_page_visits', [...TIMES, 'client_id', 'topic', 'page', 'visits'], rowsPerInsert);
    const visitors = inserter(db, 'page_unique_visitors', [...TIMES, 'topic', 'page', 'visitors'], rowsPerInsert);
    const windowRow = db.prepare(insertSql('windows', [...TIMES, 'events'], 1));
    const progress = db.prepare('INSERT OR REPLACE INTO partition_progress (job, partition, delivered_through, ended) VALUES (?, ?, ?, 0)');
    const { names } = stored;
    const writeWindow = db.transaction((window) => {
      const times = [window.windowStart, window.windowEnd, window.windowTs];
      windowRow.run(...times, window.events);
      const v = window.visits;
      for (let k = 0; k < v.count; k++) visits.add(...times, clientOf(v, k).toString('utf8'), names[v.topics[k]], names[v.pages[k]], v.counts[k]);
      visits.end();
      // The sink's primary key is (window_end, topic, page); rows come ranked, so take them in that order.
      const p = window.visitors;
      const byKey = Array.from({ length: p.count }, (_, k) => k).sort((a, b) =>
        p.topics[a] === p.topics[b] ? compare(names[p.pages[a]], names[p.pages[b]]) : compare(names[p.topics[a]], names[p.topics[b]]));
      for (const k of byKey) visitors.add(...times, names[p.topics[k]], names[p.pages[k]], p.counts[k]);
      visitors.end();
      for (let partition = 0; partition < partitions; partition++) progress.run(job, partition, window.windowEnd);
    });
    const started = process.hrtime.bigint();
    for (const window of stored.windows) writeWindow(window);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { rows: stored.rows, seconds, rowsPerSecond: stored.rows / seconds };
  } finally {
    db.close();
  }
}

function compare(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

module.exports = { writeToSqlite };
