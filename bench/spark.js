'use strict';
// Our job beside Spark on the same file of events (issue 15), all measured in one run on this machine,
// printed as one table and saved under bench/results/ (spark-<date>.md and .json).
//
//   npm run bench:spark [-- --sizes 200000,2000000 --rounds 3 --startup-events 1000 --cores N --driver-memory 4g --threads N --keep]
//   npm run bench:spark -- --sizes 10000000 --rounds 1      (at size: Spark's start-up a small part of its time)
//
// - Python: a virtual environment in .venv-spark/ (git-ignored) with pyspark from PyPI, made on the
//   first run and reused after. Spark needs Java 17 or newer on PATH.
// - Events: for each size, one NDJSON file from our synthetic production generator (seed 1): event
//   time advances 2 ms an event, each timestamp up to 3 s off (disorder within the 10 s lateness),
//   and every event valid (our run must accept them all, or the bench stops).
// - Runs, in turns each round (the order reversed every other round, as the machine's speed drifts):
//     spark         bench/spark_job.py, local[N] (N = this machine's cores), JSON lines out
//     ours jsonl    node dist/main.js --source file:EVENTS --clock event --sink jsonl:OUT
//     ours none     the same with --sink none
//     ours sqlite   the same with --sink sqlite:PATH (a fresh database each run)
//   Each runs under bench/measure.py: wall time, CPU time (user + system) of the whole process tree
//   (Spark's JVM included, reaped by the measurer even if Python leaves it behind), peak RSS of the
//   tree (summed over its processes, sampled every 50 ms; at least the largest single process's
//   exact ru_maxrss). Spark's wall time runs from its process start (JVM start included) until it
//   prints that its rows are written; stopping Spark afterwards, and reading its part files, is not
//   counted. Ours runs until the process exits. The table shows the median round of each metric.
// - Rows: every JSONL output (ours and Spark's, every round) is read back, each row normalised
//   (its table and SPEC §4 fields, in order) and hashed; the sorted hashes must equal those of
//   Spark's first round. The SQLite runs' row counts are checked against them too.
// - Start-up: each run also goes, in the same rounds, over --startup-events events (default 1,000), and
//   beside each whole-run ratio the table gives the per-event one: (wall at N - wall at the start-up size)
//   / (N - start-up events) for each side, Spark's over ours (and the same for CPU), so a ratio is not only
//   Spark's JVM and Python starting. With 2 cores a round of all four runs took, on a quiet machine (so
//   2026-11-30), about 30 s at 200,000 events and 70 s at 2,000,000; at 10,000,000 see docs/performance.md.
// - Ours runs from a copy of dist/ taken at the start (built first if dist/ is missing), so a rebuild
//   during the bench does not mix two builds in one table; the table names the build's time and hash.
const { spawn, spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const { StringDecoder } = require('node:string_decoder');

const ROOT = join(__dirname, '..');
const VENV = join(ROOT, '.venv-spark');
const VENV_PYTHON = join(VENV, 'bin', 'python');
const SPARK_JOB = join(__dirname, 'spark_job.py');
const MEASURE = join(__dirname, 'measure.py');
const DIST = join(ROOT, 'dist');

/** SPEC §4: each table's fields, in the order a normalised row lists them. */
const TABLES = {
  client_page_visits: ['window_start', 'window_end', 'window_ts', 'client_id', 'topic', 'page', 'visits'],
  page_unique_visitors: ['window_start', 'window_end', 'window_ts', 'topic', 'page', 'visitors'],
  windows: ['window_start', 'window_end', 'window_ts', 'events'],
};

const RUNS = ['spark', 'ours jsonl', 'ours none', 'ours sqlite'];

const GOALS = [
  { name: 'spark / ours jsonl (wall)', over: 'spark', under: 'ours jsonl', goal: '>= 20x', met: (r) => r >= 20 },
  { name: 'ours jsonl / ours none (wall)', over: 'ours jsonl', under: 'ours none', goal: '<= 1.3x', met: (r) => r <= 1.3 },
  { name: 'ours sqlite / ours none (wall)', over: 'ours sqlite', under: 'ours none', goal: '<= 2x', met: (r) => r <= 2 },
];

function optionsOf(argv) {
  const options = {
    sizes: [200_000, 2_000_000],
    rounds: 3,
    cores: os.availableParallelism(),
    driverMemory: '4g',
    shufflePartitions: 8,
    startupEvents: 1000,
    threads: null,
    seed: 1,
    keep: false,
    work: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--keep') {
      options.keep = true;
      continue;
    }
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--sizes') options.sizes = value.split(',').map((size) => positive(flag, size.replace(/_/g, '')));
    else if (flag === '--rounds') options.rounds = positive(flag, value);
    else if (flag === '--cores') options.cores = positive(flag, value);
    else if (flag === '--driver-memory') options.driverMemory = value;
    else if (flag === '--shuffle-partitions') options.shufflePartitions = positive(flag, value);
    else if (flag === '--threads') options.threads = positive(flag, value);
    else if (flag === '--startup-events') options.startupEvents = positive(flag, value);
    else if (flag === '--seed') options.seed = Number(value);
    else if (flag === '--work') options.work = value;
    else throw new Error(`unknown flag ${flag}`);
    i++;
  }
  return options;
}

function positive(flag, text) {
  const n = Number(text);
  if (!(Number.isSafeInteger(n) && n > 0)) throw new Error(`${flag} takes a positive integer, got ${text}`);
  return n;
}

function log(line) {
  process.stderr.write(`${line}\n`);
}

function check(command, args, what) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`${what} failed: ${command} ${args.join(' ')}`);
}

function outputOf(command, args) {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8' });
  return result.status === 0 ? `${result.stdout}${result.stderr}`.trim() : null;
}

/** dist/ from the sources if it is missing. */
function ensureBuilt() {
  if (fs.existsSync(join(DIST, 'main.js'))) return;
  log('dist/main.js is missing: npm run build');
  check('npm', ['run', 'build'], 'the build');
}

/**
 * A copy of dist/ to run from, so every run of the bench measures one build even if dist/ is rebuilt
 * meanwhile; our runs find node_modules through NODE_PATH. Returns the copy and a hash of its code.
 */
function snapshotDist(work) {
  const copy = join(work, 'dist');
  fs.rmSync(copy, { recursive: true, force: true });
  fs.cpSync(DIST, copy, { recursive: true, filter: (path) => !path.endsWith('.map') });
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(path.slice(copy.length)).update(fs.readFileSync(path));
    }
  };
  walk(copy);
  return { dist: copy, main: join(copy, 'main.js'), hash: hash.digest('hex').slice(0, 12), builtAt: fs.statSync(join(DIST, 'main.js')).mtime.toISOString() };
}

/** .venv-spark with pyspark in it, made once and reused. */
function ensureSpark() {
  if (outputOf('java', ['-version']) === null) throw new Error('Spark needs Java (17 or newer) on PATH');
  if (!fs.existsSync(VENV_PYTHON)) {
    const python = process.env.PYTHON || 'python3';
    log(`making the Python environment ${VENV} with ${python}`);
    check(python, ['-m', 'venv', VENV], 'making the virtual environment');
  }
  if (outputOf(VENV_PYTHON, ['-c', 'import pyspark']) === null) {
    log('installing pyspark from PyPI into .venv-spark (a few minutes, once)');
    check(VENV_PYTHON, ['-m', 'pip', 'install', '--disable-pip-version-check', 'pyspark'], 'pip install pyspark');
  }
  return outputOf(VENV_PYTHON, ['-c', 'import pyspark; print(pyspark.__version__)']);
}

/** Our synthetic generator's createGenerator, wherever the build puts it. */
function loadGenerator(build) {
  const dist = join(build.dist, 'sources');
  const candidates = ['synthetic/generator.js', 'synthetic/index.js', 'generator.js', 'synthetic.js'].map((path) => join(dist, path));
  const walk = (dir) =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return walk(path);
      return entry.name.endsWith('.js') && fs.readFileSync(path, 'utf8').includes('exports.createGenerator') ? [path] : [];
    });
  for (const path of [...candidates.filter((path) => fs.existsSync(path)), ...(fs.existsSync(dist) ? walk(dist) : [])]) {
    const module = require(path);
    if (typeof module.createGenerator === 'function') return { createGenerator: module.createGenerator, path };
  }
  throw new Error(`no module under ${dist} exports createGenerator (our synthetic generator)`);
}

/** `count` synthetic production events, one JSON object a line. */
function writeEvents(generator, path, count, seed) {
  const events = generator.createGenerator('production', seed);
  const fd = fs.openSync(path, 'w');
  const newline = Buffer.from('\n');
  try {
    for (let written = 0; written < count; ) {
      const messages = events.next(Math.min(4096, count - written));
      const parts = [];
      for (const message of messages) parts.push(message, newline);
      const chunk = Buffer.concat(parts);
      for (let at = 0; at < chunk.length; ) at += fs.writeSync(fd, chunk, at);
      written += messages.length;
    }
  } finally {
    fs.closeSync(fd);
  }
  return fs.statSync(path).size;
}

/** Runs a command under bench/measure.py; resolves with the measurement and the command's output. */
function measured(command, args, { env, logFile, work }) {
  const result = join(work, 'measure.json');
  fs.rmSync(result, { force: true });
  return new Promise((resolve, reject) => {
    const child = spawn(VENV_PYTHON, [MEASURE, '--result', result, '--', command, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data) => (stdout += data));
    child.stderr.on('data', (data) => (stderr += data));
    child.on('error', reject);
    child.on('close', (code) => {
      if (logFile) fs.writeFileSync(logFile, stderr);
      if (code !== 0) return reject(new Error(`${command} ${args.join(' ')} exited ${code}\n${stderr.slice(-3000)}`));
      resolve({ measure: JSON.parse(fs.readFileSync(result, 'utf8')), stdout, stderr });
    });
  });
}

async function runSpark(events, out, options, work, logFile) {
  fs.rmSync(out, { recursive: true, force: true });
  const args = [SPARK_JOB, '--events', events, '--out', out, '--cores', String(options.cores)];
  args.push('--driver-memory', options.driverMemory, '--shuffle-partitions', String(options.shufflePartitions));
  const { measure, stdout } = await measured(VENV_PYTHON, args, {
    env: { SPARK_LOCAL_IP: '127.0.0.1', PYSPARK_PYTHON: VENV_PYTHON, PYSPARK_DRIVER_PYTHON: VENV_PYTHON },
    logFile,
    work,
  });
  const marker = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line))
    .find((line) => typeof line.rows_written_unix_s === 'number');
  if (!marker) throw new Error(`the Spark job did not say when its rows were written\n${stdout}`);
  return { ...measure, wall_s: marker.rows_written_unix_s - measure.start_unix_s, exited_s: measure.wall_s };
}

async function runOurs(events, sink, options, work, logFile) {
  const args = [options.build.main, '--source', `file:${events}`, '--clock', 'event', '--sink', sink, '--dead-letter', join(work, 'dead-letters.jsonl')];
  if (options.threads !== null) args.push('--threads', String(options.threads));
  const env = { NODE_PATH: [join(ROOT, 'node_modules'), process.env.NODE_PATH].filter(Boolean).join(':') };
  const { measure, stderr } = await measured(process.execPath, args, { env, logFile, work });
  const lines = stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      try {
        return JSON.parse(line);
      } catch {
        return null;
      }
    })
    .filter(Boolean);
  const done = lines.reverse().find((line) => line.message === 'done' || line.msg === 'done') ?? null;
  return { ...measure, summary: done };
}

/** Calls `onLine` with every line of the files, in turn. */
async function eachLine(files, onLine) {
  for (const file of files) {
    const decoder = new StringDecoder('utf8');
    let rest = '';
    for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
      const lines = (rest + decoder.write(chunk)).split('\n');
      rest = lines.pop();
      for (const line of lines) if (line.length > 0) onLine(line, file);
    }
    rest += decoder.end();
    if (rest.length > 0) onLine(rest, file);
  }
}

/** A row as its table and SPEC §4 fields in order; throws on a field missing or too many. */
function normalised(table, row) {
  const fields = TABLES[table];
  if (!fields) throw new Error(`a row of an unknown table ${table}`);
  const keys = Object.keys(row).filter((key) => key !== 'table');
  if (keys.length !== fields.length || !fields.every((field) => field in row)) {
    throw new Error(`a ${table} row with fields ${keys.join(',')}, not ${fields.join(',')}`);
  }
  return JSON.stringify([table, ...fields.map((field) => row[field])]);
}

function hashOf(text) {
  return createHash('md5').update(text).digest().readBigUInt64LE(0);
}

/**
 * The rows of one output as sorted 64-bit hashes of their normalised form, with counts per table.
 * `files` is [{ path, table }] (table null: each row says its own, as in our JSONL).
 */
async function rowSet(files) {
  let hashes = new BigUint64Array(1 << 16);
  let count = 0;
  const tables = Object.fromEntries(Object.keys(TABLES).map((table) => [table, 0]));
  for (const { path, table } of files) {
    await eachLine([path], (line) => {
      const row = JSON.parse(line);
      const name = table ?? row.table;
      const text = normalised(name, row);
      if (count === hashes.length) {
        const grown = new BigUint64Array(hashes.length * 2);
        grown.set(hashes);
        hashes = grown;
      }
      hashes[count++] = hashOf(text);
      tables[name]++;
    });
  }
  return { hashes: hashes.slice(0, count).sort(), rows: count, tables };
}

function sparkFiles(out) {
  return Object.keys(TABLES).flatMap((table) => {
    const dir = join(out, table);
    return fs
      .readdirSync(dir)
      .filter((name) => name.startsWith('part-') && name.endsWith('.json'))
      .sort()
      .map((name) => ({ path: join(dir, name), table }));
  });
}

/** Hashes in `a` and not in `b` (both sorted, as multisets). */
function missingFrom(a, b) {
  const missing = [];
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    while (j < b.length && b[j] < a[i]) j++;
    if (j < b.length && b[j] === a[i]) j++;
    else missing.push(a[i]);
  }
  return missing;
}

async function sampleRows(files, wanted, limit = 5) {
  const found = [];
  const set = new Set(wanted);
  for (const { path, table } of files) {
    await eachLine([path], (line) => {
      if (found.length >= limit) return;
      const row = JSON.parse(line);
      if (set.has(hashOf(normalised(table ?? row.table, row)))) found.push(line);
    });
  }
  return found;
}

/** Compares an output with the reference; returns a verdict, with a few differing rows if any. */
async function compareRows(reference, set, files) {
  const extra = missingFrom(set.hashes, reference.set.hashes);
  const missing = missingFrom(reference.set.hashes, set.hashes);
  if (extra.length === 0 && missing.length === 0) return { identical: true, rows: set.rows, tables: set.tables };
  return {
    identical: false,
    rows: set.rows,
    tables: set.tables,
    extraRows: extra.length,
    missingRows: missing.length,
    extraSample: await sampleRows(files, extra),
    missingSample: await sampleRows(reference.files, missing),
  };
}

function sqliteCounts(path) {
  try {
    const Database = require('better-sqlite3');
    const db = new Database(path, { readonly: true });
    try {
      return Object.fromEntries(Object.keys(TABLES).map((table) => [table, db.prepare(`SELECT count(*) AS n FROM ${table}`).get().n]));
    } finally {
      db.close();
    }
  } catch (error) {
    return { error: String(error.message ?? error) };
  }
}

function removeDatabase(path) {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(path + suffix, { force: true });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const fmt = (n, digits = 0) =>
  n === null || n === undefined || Number.isNaN(n) ? '—' : Number(n).toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function benchSize(size, options, generator, work) {
  const events = join(work, `events-${size}.ndjson`);
  log(`\n== ${fmt(size)} events: writing ${events}`);
  const bytes = writeEvents(generator, events, size, options.seed);
  const sparkOut = (round) => join(work, `spark-${size}-r${round}`);
  const oursOut = join(work, `ours-${size}.jsonl`);
  const database = join(work, `ours-${size}.db`);
  const runs = Object.fromEntries(RUNS.map((name) => [name, []]));
  let reference = null; // Spark's first round: { set, files }
  const verdicts = [];

  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? RUNS : [...RUNS].reverse();
    for (const name of order) {
      const logFile = join(work, `${name.replace(' ', '-')}-${size}-r${round}.log`);
      let run;
      let rows = null;
      if (name === 'spark') {
        const out = sparkOut(round);
        run = await runSpark(events, out, options, work, logFile);
        const files = sparkFiles(out);
        const set = await rowSet(files);
        if (reference === null) {
          reference = { set, files, out };
          rows = { identical: true, reference: true, rows: set.rows, tables: set.tables };
        } else {
          rows = await compareRows(reference, set, files);
          fs.rmSync(out, { recursive: true, force: true });
        }
      } else {
        const sink = name === 'ours jsonl' ? `jsonl:${oursOut}` : name === 'ours sqlite' ? `sqlite:${database}` : 'none';
        fs.rmSync(oursOut, { force: true });
        removeDatabase(database);
        run = await runOurs(events, sink, options, work, logFile);
        const summary = run.summary;
        if (summary && (summary.accepted !== size || Object.keys(summary.rejected ?? {}).length > 0)) {
          throw new Error(`our job did not accept all ${size} events: ${JSON.stringify(summary)}`);
        }
        if (name === 'ours jsonl') {
          const files = [{ path: oursOut, table: null }];
          const set = await rowSet(files);
          // Spark runs first in round 0, so its reference exists by now.
          rows = await compareRows(reference, set, files);
          fs.rmSync(oursOut, { force: true });
        } else if (name === 'ours sqlite') {
          const counts = sqliteCounts(database);
          const identical = counts.error ? null : Object.keys(TABLES).every((table) => counts[table] === reference.set.tables[table]);
          rows = { countsOnly: true, identical, tables: counts };
          removeDatabase(database);
        }
      }
      runs[name].push({ round, loadAverage1mAfter: os.loadavg()[0], ...run, rows });
      if (rows) verdicts.push({ run: name, round, ...rows, extraSample: rows.extraSample, missingSample: rows.missingSample });
      const verdict = rows === null ? '' : rows.identical === true ? ' rows identical' : rows.identical === null ? ' rows unchecked' : ' ROWS DIFFER';
      log(
        `  round ${round + 1} ${name.padEnd(11)} wall ${fmt(run.wall_s, 2)} s  cpu ${fmt(run.cpu_s, 2)} s  ` +
          `rss ${fmt(peakRssKb(run) / 1024)} MB${verdict}`,
      );
      if (rows && rows.identical === false) log(JSON.stringify(rows, null, 2));
    }
  }
  if (reference && !options.keep) fs.rmSync(reference.out, { recursive: true, force: true });
  if (!options.keep) fs.rmSync(events, { force: true });

  const medians = Object.fromEntries(
    RUNS.map((name) => [
      name,
      {
        wall_s: median(runs[name].map((run) => run.wall_s)),
        cpu_s: median(runs[name].map((run) => run.cpu_s)),
        peak_rss_mb: median(runs[name].map((run) => peakRssKb(run) / 1024)),
      },
    ]),
  );
  const ratios = GOALS.map((goal) => {
    const ratio = medians[goal.over].wall_s / medians[goal.under].wall_s;
    return { name: goal.name, ratio, goal: goal.goal, met: goal.met(ratio) };
  });
  const rowsIdentical = verdicts.every((verdict) => verdict.identical !== false);
  return { size, bytes, rows: reference.set.rows, tables: reference.set.tables, runs, medians, ratios, rowsIdentical, verdicts };
}

/**
 * Spark's cost per event over ours, start-up taken out: each side's median wall (and CPU) at `size`
 * less its median at the start-up size, over the events between.
 */
function perEventRatios(size, startup) {
  const events = size.size - startup.size;
  const perEvent = (name, metric) => (size.medians[name][metric] - startup.medians[name][metric]) / events;
  const side = (name) => ({ wallUs: perEvent(name, 'wall_s') * 1e6, cpuUs: perEvent(name, 'cpu_s') * 1e6 });
  const spark = side('spark');
  const ours = side('ours jsonl');
  return {
    size: size.size,
    spark,
    ours,
    wallRatio: spark.wallUs / ours.wallUs,
    cpuRatio: spark.cpuUs / ours.cpuUs,
    wholeRunWallRatio: size.medians.spark.wall_s / size.medians['ours jsonl'].wall_s,
    wholeRunCpuRatio: size.medians.spark.cpu_s / size.medians['ours jsonl'].cpu_s,
  };
}

/** A value as the result file keeps it: no paths of this machine (the work directory, this checkout). */
function portable(value, work) {
  if (typeof value === 'bigint') return value.toString();
  return typeof value === 'string' ? value.split(work).join('$WORK').split(ROOT).join('.') : value;
}

/** The tree's sampled peak, or the largest single process's exact peak if a sample missed it. */
function peakRssKb(run) {
  return Math.max(run.peak_tree_rss_kb, run.max_rss_single_kb);
}

function tableOf(result) {
  const lines = [];
  const { options } = result;
  lines.push(`# clickstream vs Spark — ${result.date}`);
  lines.push('');
  lines.push(`Machine: ${result.machine.cpus} × ${result.machine.cpuModel}, ${fmt(result.machine.memoryGiB, 1)} GiB, ` +
    `load average ${result.machine.loadBefore.map((n) => n.toFixed(2)).join(' ')} before, ${result.machine.loadAfter.map((n) => n.toFixed(2)).join(' ')} after (other work may share it).`);
  lines.push(`Spark ${result.versions.pyspark} (PySpark, DataFrame API), local[${options.cores}], driver memory ${options.driverMemory}, ` +
    `${options.shufflePartitions} shuffle partitions; ${result.versions.java}; Node ${process.versions.node}, ours with ` +
    `${options.threads === null ? 'default --threads' : `--threads ${options.threads}`}, --clock event, 2m windows sliding 1m; ` +
    `dist/ built ${options.build.builtAt} (code hash ${options.build.hash}), HEAD ${result.commit}.`);
  lines.push(`${options.rounds} rounds in turns; each figure is the median round. Wall: Spark from process start (JVM included) ` +
    'until its rows are written; ours until exit. CPU: user + system of the whole process tree. RSS: peak of the process tree.');
  lines.push('');
  lines.push('| events | run | wall s | CPU s | peak RSS MB | events/s (wall) | rows identical |');
  lines.push('|---:|---|---:|---:|---:|---:|---|');
  for (const size of [result.startup, ...result.sizes]) {
    for (const name of RUNS) {
      const m = size.medians[name];
      const checked = size.verdicts.filter((verdict) => verdict.run === name);
      const identical =
        checked.length === 0
          ? '(not written)'
          : checked.every((verdict) => verdict.identical === true)
            ? name === 'ours sqlite'
              ? 'yes (row counts)'
              : name === 'spark'
                ? 'reference'
                : 'yes'
            : checked.some((verdict) => verdict.identical === false)
              ? 'NO'
              : 'unchecked';
      lines.push(`| ${fmt(size.size)} | ${name} | ${fmt(m.wall_s, 2)} | ${fmt(m.cpu_s, 2)} | ${fmt(m.peak_rss_mb)} | ${fmt(size.size / m.wall_s)} | ${identical} |`);
    }
  }
  lines.push('');
  lines.push('| events | ratio (median wall) | value | goal | met |');
  lines.push('|---:|---|---:|---|---|');
  for (const size of result.sizes) {
    for (const ratio of size.ratios) lines.push(`| ${fmt(size.size)} | ${ratio.name} | ${fmt(ratio.ratio, 2)}x | ${ratio.goal} | ${ratio.met ? 'yes' : 'no'} |`);
    const spark = size.medians.spark;
    const ours = size.medians['ours jsonl'];
    lines.push(`| ${fmt(size.size)} | spark / ours jsonl (CPU) | ${fmt(spark.cpu_s / ours.cpu_s, 2)}x | — | — |`);
    lines.push(`| ${fmt(size.size)} | spark / ours jsonl (peak RSS) | ${fmt(spark.peak_rss_mb / ours.peak_rss_mb, 2)}x | — | — |`);
  }
  lines.push('');
  lines.push(`Spark / ours JSONL per event, start-up taken out: each side's (median at N - median at ${fmt(result.startup.size)} events) / (N - ${fmt(result.startup.size)}).`);
  lines.push('');
  lines.push('| events | Spark µs/event (wall, CPU) | ours JSONL µs/event (wall, CPU) | per event: wall, CPU | whole run: wall, CPU |');
  lines.push('|---:|---:|---:|---:|---:|');
  for (const r of result.perEvent) {
    lines.push(`| ${fmt(r.size)} | ${fmt(r.spark.wallUs, 2)}, ${fmt(r.spark.cpuUs, 2)} | ${fmt(r.ours.wallUs, 2)}, ${fmt(r.ours.cpuUs, 2)} | ` +
      `**${fmt(r.wallRatio, 1)}x**, ${fmt(r.cpuRatio, 1)}x | ${fmt(r.wholeRunWallRatio, 1)}x, ${fmt(r.wholeRunCpuRatio, 1)}x |`);
  }
  lines.push('');
  for (const size of [result.startup, ...result.sizes]) {
    lines.push(`${fmt(size.size)} events (${fmt(size.bytes / 2 ** 20, 1)} MiB): ${fmt(size.rows)} rows ` +
      `(${Object.entries(size.tables).map(([table, n]) => `${table} ${fmt(n)}`).join(', ')}); ` +
      `Spark's and ours ${size.rowsIdentical ? 'identical in every round' : 'DIFFER'}.`);
  }
  return lines.join('\n') + '\n';
}

async function main() {
  const options = optionsOf(process.argv.slice(2));
  ensureBuilt();
  const pyspark = ensureSpark();
  const work = options.work ?? fs.mkdtempSync(join(os.tmpdir(), 'clickstream-bench-spark-'));
  fs.mkdirSync(work, { recursive: true });
  options.build = snapshotDist(work);
  const generator = loadGenerator(options.build);
  log(`pyspark ${pyspark}, dist/ of ${options.build.builtAt} (code ${options.build.hash}) copied to ${options.build.dist}, generator ${generator.path}`);
  const java = (outputOf('java', ['-version']) ?? '').split('\n')[0];
  const commit = outputOf('git', ['rev-parse', '--short', 'HEAD']) ?? 'unknown';
  const dirty = (outputOf('git', ['status', '--porcelain', '--', 'src', 'bench']) ?? '').length > 0;
  const result = {
    date: new Date().toISOString(),
    options,
    commit: dirty ? `${commit} (with uncommitted changes)` : commit,
    versions: { node: process.versions.node, pyspark, java },
    machine: {
      cpus: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: os.totalmem() / 2 ** 30,
      loadBefore: os.loadavg(),
      loadAfter: null,
    },
    generator: generator.path,
    sizes: [],
  };
  try {
    const startup = await benchSize(options.startupEvents, options, generator, work);
    result.startup = startup;
    for (const size of options.sizes) result.sizes.push(await benchSize(size, options, generator, work));
    result.perEvent = result.sizes.map((size) => perEventRatios(size, startup));
  } finally {
    if (!options.keep && !options.work) fs.rmSync(work, { recursive: true, force: true });
  }
  result.machine.loadAfter = os.loadavg();
  result.table = tableOf(result);
  process.stdout.write(`\n${result.table}`);
  const dir = join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const stem = join(dir, `spark-${result.date.replace(/[:.]/g, '-')}`);
  fs.writeFileSync(`${stem}.md`, result.table);
  fs.writeFileSync(`${stem}.json`, JSON.stringify(result, (key, value) => portable(value, work), 2) + '\n');
  log(`saved ${stem}.md and .json`);
  if (![result.startup, ...result.sizes].every((size) => size.rowsIdentical)) {
    log("Spark's rows and ours differ");
    process.exitCode = 1;
  }
}

main().catch((error) => {
  log(error.stack ?? String(error));
  process.exitCode = 1;
});
