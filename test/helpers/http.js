'use strict';
// A job serving --http, and what tests need to talk to it: its address from the log line, requests
// with or without a token, and a parser of the Prometheus text format written from the format's
// description, independent of prom-client.
const { startMain, endedFirst } = require('./cli');
const { waitFor } = require('./wait');

/**
 * Starts `dist/main.js ARGS --http 127.0.0.1:0 --log-format json` and waits for its "dashboard" log
 * line. Resolves with { run, url } (url ends with /). `keepStdin` and `cwd` as startCli's.
 */
async function startServedJob(args, { env, timeoutMs = 120_000, keepStdin, cwd } = {}) {
  const run = startMain([...args, '--http', '127.0.0.1:0', '--log-format', 'json'], { env, timeoutMs, keepStdin, cwd });
  const url = await waitFor(
    'the job to log its HTTP address',
    () => logLinesOf(run.output().stderr).find((line) => typeof line.url === 'string')?.url,
    { timeoutMs: 30_000, stopIf: endedFirst(run), whileWaiting: () => run.output().stderr.slice(-2000) },
  );
  return { run, url };
}

/** The JSON log lines of a job's stderr. */
function logLinesOf(stderr) {
  return stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
}

/** The messages of a job's error log lines. */
function errorsOf(stderr) {
  return logLinesOf(stderr).filter((line) => line.level === 'error').map((line) => line.msg);
}

/** GET (or another method) of a path; resolves with { status, type, headers, text, json }. */
async function request(url, path, { token, method = 'GET', headers = {} } = {}) {
  const response = await fetch(new URL(path, url), {
    method,
    headers: token === undefined ? headers : { ...headers, Authorization: `Bearer ${token}` },
  });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, type, headers: response.headers, text, json: type.startsWith('application/json') ? JSON.parse(text) : undefined };
}

/** Stops a job started here with SIGINT and waits for its exit. */
async function stopJob(run) {
  if (run.result === null) run.child.kill('SIGINT');
  return run.exited;
}

const METRIC_NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const SAMPLE = new RegExp(`^(${METRIC_NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? (\\S+)(?: (-?\\d+))?$`);
// Go's ParseFloat, which the format refers to: NaN and Inf in any case (prom-client writes "Nan").
const FLOAT = /^(?:[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|[+-]?inf(?:inity)?|nan)$/i;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * Parses Prometheus text format 0.0.4. Throws on the first line that is not a HELP, TYPE, comment or
 * sample line, on a sample whose value is not a float, and on a TYPE given twice or after its samples.
 * Returns Map(family name → { type, help, samples: [{ name, labels, value }] }); a histogram's
 * _bucket/_sum/_count samples belong to its family.
 */
function parsePrometheusText(text) {
  const families = new Map();
  const familyOf = (name) => {
    if (!families.has(name)) families.set(name, { type: 'untyped', help: null, samples: [], typed: false });
    return families.get(name);
  };
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const [index, line] of lines.entries()) {
    const where = `line ${index + 1}: ${JSON.stringify(line)}`;
    if (line === '') continue;
    let match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (match !== null) {
      const [, keyword, name, rest] = match;
      if (!new RegExp(`^${METRIC_NAME}$`).test(name)) throw new Error(`bad metric name, ${where}`);
      const family = familyOf(name);
      if (keyword === 'HELP') family.help = rest;
      else {
        if (!TYPES.has(rest)) throw new Error(`bad type, ${where}`);
        if (family.typed || family.samples.length > 0) throw new Error(`TYPE after samples or twice, ${where}`);
        family.type = rest;
        family.typed = true;
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    match = SAMPLE.exec(line);
    if (match === null) throw new Error(`not a sample, ${where}`);
    const [, name, labelText = '', value] = match;
    if (!FLOAT.test(value)) throw new Error(`value is not a float, ${where}`);
    const labels = Object.fromEntries(
      [...labelText.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map(([, key, raw]) => [key, raw.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c))]),
    );
    const base = name.replace(/_(bucket|sum|count|total|created)$/, '');
    const family = families.get(name) ?? (families.has(base) ? families.get(base) : familyOf(name));
    family.samples.push({ name, labels, value: /nan/i.test(value) ? NaN : Number(value.replace(/inf(inity)?$/i, 'Infinity')) });
  }
  return families;
}

module.exports = { startServedJob, logLinesOf, errorsOf, request, stopJob, parsePrometheusText };
