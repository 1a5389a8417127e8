'use strict';
// Credentials are never printed: not on success, not on any error path, not in dead letters; a wrong
// password at a secured server (SASL_SSL Kafka, password-and-TLS Cassandra) fails fast, names the server
// and writes nothing. And every statement the Cassandra sink and recommender send is prepared.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { serverTest, KAFKA_BROKERS, CASSANDRA_CONTACT } = require('../helpers/services');
const { runCli, ROOT, readDeadLetters } = require('../helpers/cli');
const { makeEvents, toLine } = require('../helpers/events');
const { readCassandraRows, dropKeyspace, committedOffsets, deleteTopic } = require('../helpers/faults');
const { waitFor } = require('../helpers/wait');
const {
  securedTest,
  refusedWithin30s,
  escapeRegExp: escaped,
  securedKafkaFlags,
  securedCassandraFlags,
  securedCassandraOptions,
  securedPasswords,
  KAFKA_SECURED_BROKERS,
  CASSANDRA_SECURED_CONTACT,
} = require('../helpers/secured');

const RUN = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'clickstream-faults-credentials-'));
const keyspace = `faults_creds_${RUN}`;
// Distinctive, so any echo of it — whole, or URL-encoded — is found.
const PASSWORD = `pw-${RUN}-Zq9!never-printed`;
const USER = `user-${RUN}`;
const input = join(dir, 'events.ndjson');
writeFileSync(input, [...makeEvents({ count: 2_000, seed: 5 }).map(toLine), 'not json', `{"client_id":"${PASSWORD}"}`].join('\n') + '\n');

/** The password (and any of `others`) appears in none of the texts, nor in its URL-encoded or base64 forms. */
function assertNoPassword(texts, what, others = []) {
  for (const password of [PASSWORD, ...others]) {
    const forms = [password, encodeURIComponent(password), Buffer.from(password).toString('base64')];
    for (const [name, text] of Object.entries(texts)) {
      for (const form of forms) assert.not.ok(text.includes(form), `${what}: a password appears in ${name}`);
    }
  }
}

/** Dead letters, minus the one input line that deliberately holds the password as a client_id. */
function deadLettersOf(path) {
  if (!existsSync(path)) return '';
  return readFileSync(path, 'utf8').split('\n').filter((line) => !line.includes(`{\\"client_id\\":\\"${PASSWORD}\\"}`)).join('\n');
}

serverTest('Cassandra with user and password (a server without authentication): the run succeeds and prints the password nowhere', async () => {
  const deadLetters = join(dir, 'dead-cassandra.jsonl');
  const run = await runCli('main.js', [
    '--source', `file:${input}`, '--clock', 'event', '--window', '10s', '--slide', '5s', '--batch', '1s', '--dead-letter', deadLetters,
    '--sink', 'cassandra', '--cassandra', CASSANDRA_CONTACT, '--keyspace', keyspace, '--cassandra-user', USER, '--cassandra-password', PASSWORD,
  ]);
  assert.is(run.code, 0, run.stderr.slice(-2000));
  assert.ok((await readCassandraRows(keyspace)).length > 100, 'rows were written');
  assert.is(readDeadLetters(deadLetters).length, 2, 'the two bad lines are dead letters');
  assertNoPassword({ stdout: run.stdout, stderr: run.stderr, 'dead letters': deadLettersOf(deadLetters) }, 'Cassandra run');
});

test('Cassandra unreachable with user and password: a clear failure that does not print the password', async () => {
  const deadLetters = join(dir, 'dead-unreachable.jsonl');
  const { code, stdout, stderr } = await runCli('main.js', [
    '--source', `file:${input}`, '--dead-letter', deadLetters,
    '--sink', 'cassandra', '--cassandra', '127.0.0.1:1', '--cassandra-user', USER, '--cassandra-password', PASSWORD,
  ], { timeoutMs: 60_000 });
  assert.is(code, 1, 'a sink that cannot open fails the run, and the process exits');
  assert.match(stderr, /clickstream failed: cannot connect to Cassandra at 127\.0\.0\.1:1/);
  assertNoPassword({ stdout, stderr, 'dead letters': deadLettersOf(deadLetters) }, 'unreachable Cassandra');
});

serverTest('Kafka SASL PLAIN against a broker without SASL: the job and the producer fail without printing the password', async () => {
  const sasl = ['--kafka-sasl', 'plain', '--kafka-user', USER, '--kafka-password', PASSWORD];
  const deadLetters = join(dir, 'dead-kafka.jsonl');
  const job = await runCli('main.js', [
    '--source', 'kafka', '--brokers', KAFKA_BROKERS, '--topic', `creds-${RUN}`, '--group', `creds-${RUN}`, '--stop-at-end',
    '--sink', 'none', '--dead-letter', deadLetters, ...sasl,
  ], { timeoutMs: 60_000 });
  assert.is(job.code, 1, job.stderr.slice(-2000));
  assert.match(job.stderr, /clickstream failed: Kafka source/);
  assertNoPassword({ stdout: job.stdout, stderr: job.stderr, 'dead letters': deadLettersOf(deadLetters) }, 'Kafka job');

  const producer = await runCli('produce.js', ['--brokers', KAFKA_BROKERS, '--topic', `creds-${RUN}`, '--source', `file:${input}`, ...sasl.slice(0, 1), 'scram-sha-512', ...sasl.slice(2)], { timeoutMs: 60_000 });
  assert.is.not(producer.code, 0);
  assertNoPassword({ stdout: producer.stdout, stderr: producer.stderr }, 'producer');
});

test('the recommender with unreachable Cassandra, and flag errors, do not print the password', async () => {
  const recommend = await runCli('recommend.js', [
    '--store', 'cassandra', '--cassandra', '127.0.0.1:1', '--cassandra-user', USER, '--cassandra-password', PASSWORD, '--client', 'a', '--topic', 't', '-n', '3',
  ], { timeoutMs: 60_000 });
  assert.is(recommend.code, 1);
  assert.match(recommend.stderr, /cannot connect to Cassandra/);
  assertNoPassword({ stdout: recommend.stdout, stderr: recommend.stderr }, 'recommender');

  const flagErrors = [
    ['--sink', 'cassandra', '--cassandra-password', PASSWORD],
    ['--cassandra-password', PASSWORD],
    ['--sink', 'cassandra', '--cassandra-user', USER, '--cassandra-password', PASSWORD, '--keyspace', 'bad-name'],
    ['--source', 'kafka', '--topic', 't', '--kafka-sasl', 'plain', '--kafka-password', PASSWORD],
    ['--source', 'kafka', '--topic', 't', '--kafka-sasl', 'bogus', '--kafka-user', USER, '--kafka-password', PASSWORD],
    ['--source', 'kafka', '--topic', 't', '--kafka-sasl', 'plain', '--kafka-user', USER, `--kafka-password=${PASSWORD}`, '--brokers', 'no-port'],
    ['--source', `file:${input}`, '--kafka-sasl', 'plain', '--kafka-user', USER, '--kafka-password', PASSWORD],
  ];
  for (const args of flagErrors) {
    const run = await runCli('main.js', args, { timeoutMs: 30_000 });
    assert.is(run.code, 2, `exit 2 for ${args.join(' ').replace(PASSWORD, '***')}: ${run.stderr.replace(PASSWORD, '***')}`);
    assertNoPassword({ stdout: run.stdout, stderr: run.stderr }, args.join(' ').replace(PASSWORD, '***'));
  }
});

// ---------------------------------------------------------------------------------------------
// Wrong passwords at the secured servers (test/helpers/secured.js): PASSWORD is the wrong one.

const securedTopic = `creds-secured-${RUN}`;
const securedKeyspace = `faults_creds_secured_${RUN}`;

/** The job from the secured topic into the secured Cassandra, with these connection flags. */
function securedJob(kafka, cassandra) {
  return [
    '--source', 'kafka', ...kafka, '--topic', securedTopic, '--group', securedTopic, '--from-beginning', '--stop-at-end', '--clock', 'event',
    '--window', '10s', '--slide', '5s', '--batch', '1s', '--sink', 'cassandra', ...cassandra, '--keyspace', securedKeyspace,
    '--dead-letter', join(dir, 'dead-secured.jsonl'),
  ];
}

/** The run must be refused with `pattern`, printing no password (the wrong one or the real ones). */
async function refusedWithoutPassword(script, args, pattern) {
  const run = await refusedWithin30s(script, args, pattern);
  assertNoPassword({ stdout: run.stdout, stderr: run.stderr, 'dead letters': deadLettersOf(join(dir, 'dead-secured.jsonl')) }, script, securedPasswords());
}

/** Nothing of the job reached the secured store (its tables may exist) or the group's commits. */
async function assertNothingWritten() {
  const rows = await readCassandraRows(securedKeyspace, securedCassandraOptions()).catch((error) => {
    if (/does not exist|unconfigured table|Keyspace .* not/i.test(error.message)) return [];
    throw error;
  });
  assert.equal(rows, [], 'no row written');
  // On a fresh broker the first question about a group may find its coordinator still loading: ask again.
  const committed = await waitFor('the group\'s committed offsets', () => committedOffsets(securedTopic, securedTopic), { timeoutMs: 30_000, intervalMs: 500 });
  assert.ok(committed.every((offset) => offset < 0), 'no offset committed');
}

securedTest('a wrong Kafka password at the SASL_SSL listener (SCRAM-SHA-512 and PLAIN): exit 1 within 30 s, "authentication failed" naming the listener, nothing written or committed, no password printed', async () => {
  const produced = await runCli('produce.js', [...securedKafkaFlags(), '--topic', securedTopic, '--partitions', '2', '--source', `file:${input}`]);
  assert.is(produced.code, 0, produced.stderr);
  const refused = (mechanism) => new RegExp(`authentication failed at Kafka ${escaped(KAFKA_SECURED_BROKERS)} \\(SASL ${mechanism} as user clickstream\\)`);
  await Promise.all([
    refusedWithoutPassword('main.js', securedJob(securedKafkaFlags({ mechanism: 'scram-sha-512', password: PASSWORD }), securedCassandraFlags()), refused('SCRAM-SHA-512')),
    refusedWithoutPassword('main.js', securedJob(securedKafkaFlags({ mechanism: 'plain', password: PASSWORD }), securedCassandraFlags()), refused('PLAIN')),
    refusedWithoutPassword('produce.js', [...securedKafkaFlags({ mechanism: 'plain', password: PASSWORD }), '--topic', securedTopic, '--source', `file:${input}`], refused('PLAIN')),
  ]);
  await assertNothingWritten();
});

securedTest('a wrong Cassandra password at the secured node: exit 1 within 30 s, "authentication failed" naming the node, nothing written or committed, no password printed', async () => {
  const refused = new RegExp(`cannot connect to Cassandra at ${escaped(CASSANDRA_SECURED_CONTACT)}: ${escaped(CASSANDRA_SECURED_CONTACT)}: authentication failed \\(Provided username clickstream and/or password are incorrect\\)`);
  await Promise.all([
    refusedWithoutPassword('main.js', securedJob(securedKafkaFlags(), securedCassandraFlags({ password: PASSWORD })), refused),
    refusedWithoutPassword('recommend.js', ['--store', 'cassandra', ...securedCassandraFlags({ password: PASSWORD }), '--keyspace', securedKeyspace, '--client', 'c', '--topic', 't', '-n', '3'], refused),
  ]);
  await assertNothingWritten();
});

/** Top-level arguments of the call whose '(' is at `open` in `text` (string literals and nesting respected). */
function callArguments(text, open) {
  const args = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`') {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    if (depth === 0) {
      args.push(text.slice(start, i).trim());
      return args.filter(Boolean);
    }
    if (c === ',' && depth === 1) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  throw new Error('unbalanced call');
}

/** Whether an options argument sets prepare: true, directly, through a const, or spread from one. */
function isPrepared(options, source) {
  if (options === undefined) return false;
  const resolved = /^[A-Z_a-z]\w*$/.test(options) ? new RegExp(`const ${options}\\s*=\\s*(\\{[^;]*\\})`).exec(source)?.[1] : options;
  if (resolved === undefined) return false;
  if (/prepare:\s*false/.test(resolved)) return false;
  if (/prepare:\s*true/.test(resolved)) return true;
  const spread = /\.\.\.([A-Z_a-z]\w*)/.exec(resolved);
  return spread !== null && isPrepared(spread[1], source);
}

test('every execute, batch, stream and eachRow call in src/ (the Cassandra sink, its reader, the dashboard\'s reads) passes prepare: true', () => {
  const files = readdirSync(join(ROOT, 'src'), { recursive: true })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join('src', name));
  const calls = [];
  for (const file of files) {
    const source = readFileSync(join(ROOT, file), 'utf8');
    for (const match of source.matchAll(/\.(execute|batch|stream|eachRow)\(/g)) {
      const args = callArguments(source, match.index + match[0].length - 1);
      const options = match[1] === 'batch' ? args[1] : args[2];
      calls.push({ file, line: source.slice(0, match.index).split('\n').length, method: match[1], query: args[0], options, prepared: isPrepared(options, source) });
    }
  }
  assert.ok(calls.length >= 5, `found the driver calls (${calls.length})`);
  // The one exception: schema DDL (CREATE KEYSPACE / CREATE TABLE IF NOT EXISTS, no bound values),
  // run once at start-up — preparing it would buy nothing. It must stay the only one.
  const unprepared = calls.filter((call) => !call.prepared);
  const ddl = unprepared.filter((call) => call.file.endsWith(join('sinks', 'cassandra', 'setup.ts')) && call.query === 'statement');
  assert.equal(unprepared.filter((call) => !ddl.includes(call)), [], 'calls without prepare: true');
  assert.ok(ddl.length <= 1);
  const setup = readFileSync(join(ROOT, 'src', 'sinks', 'cassandra', 'setup.ts'), 'utf8');
  if (ddl.length === 1) assert.match(setup, /const ddl = \[createKeyspaceCql\(keyspace\), \.\.\.CASSANDRA_TABLE_NAMES\.map\(\(table\) => createTableCql\(keyspace, table\)\)\];/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
serverTest.after(async () => {
  await dropKeyspace(keyspace).catch(() => undefined);
});
securedTest.after(async () => {
  await dropKeyspace(securedKeyspace, securedCassandraOptions()).catch(() => undefined);
  await deleteTopic(securedTopic);
});

test.run();
