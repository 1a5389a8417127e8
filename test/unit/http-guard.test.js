'use strict';
// What guards the job's API and what its charts read: the Host check without a token (DNS
// rebinding), the token's rules and its file, and /api/history.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { get } = require('node:http');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { runCli } = require('../helpers/cli');
const { waitFor } = require('../helpers/wait');
const { startServedJob, request, stopJob } = require('../helpers/http');

const dir = mkdtempSync(join(tmpdir(), 'clickstream-http-guard-'));
const TOKEN = 'token-that-must-never-be-printed-7f3a';

let job;

test.before(async () => {
  job = await startServedJob(['--source', 'synthetic:dev', '--rate', '100', '--batch', '1s', '--window', '2s', '--slide', '1s', '--threads', '1', '--sink', 'none', '--dead-letter', join(dir, 'dead.jsonl')]);
  await waitFor('three samples, one with a window closed', async () => {
    const { samples } = (await request(job.url, '/api/history')).json;
    return samples.time.length >= 3 && samples.closedThrough.some((ms) => ms !== null);
  }, { timeoutMs: 30_000 });
});

test.after(async () => {
  if (job !== undefined) await stopJob(job.run);
  rmSync(dir, { recursive: true, force: true });
});

test('/api/history: a sample a second from the start, as columns, and those after ?since=', async () => {
  const all = (await request(job.url, '/api/history')).json;
  assert.is(all.intervalMs, 1000);
  const { time, eventsPerSecond, rssBytes, openPanes, closedThrough } = all.samples;
  assert.ok(time.length >= 2, `${time.length} samples`);
  for (const column of Object.values(all.samples)) assert.is(column.length, time.length);
  assert.ok(time.every((t, i) => i === 0 || t > time[i - 1]), 'oldest first');
  assert.ok(eventsPerSecond.some((rate) => rate > 0));
  assert.ok(rssBytes.every((bytes) => bytes > 0));
  assert.ok(openPanes.every(Number.isInteger));
  assert.ok(closedThrough.some((ms) => ms !== null));
  const since = (await request(job.url, `/api/history?since=${time.at(-2)}`)).json.samples.time;
  assert.ok(since.length >= 1 && since[0] === time.at(-1), 'only what came after');
  for (const query of ['since=soon', 'since=-1', 'until=3']) assert.is((await request(job.url, `/api/history?${query}`)).status, 400, query);
});

test('without a token, /api/* answers only requests addressed to this machine by a loopback name (DNS rebinding)', async () => {
  const { port } = new URL(job.url);
  const statusFor = (host) =>
    new Promise((resolve, reject) => {
      const req = get({ host: '127.0.0.1', port, path: '/api/stats', headers: { Host: host } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.on('error', reject);
    });
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`, `127.0.0.2:${port}`]) assert.is(await statusFor(host), 200, host);
  for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${Number(port) + 1}`, '127.0.0.1', `localhost.evil.example:${port}`, `[::2]:${port}`]) {
    assert.is(await statusFor(host), 403, host);
  }
  // What carries no client data stays open to any name.
  assert.is((await request(job.url, '/metrics', { headers: { Host: 'evil.example' } })).status, 200);
});

test('empty, blank and short tokens are refused, saying the minimum; --http-token-file reads one', async () => {
  for (const token of ['', ' ', 'short-token', 'fifteen-chars-x']) {
    const result = await runCli('main.js', ['--sink', 'none', '--http', '0.0.0.0:0', '--http-token', token], { timeoutMs: 20_000 });
    assert.is(result.code, 2, JSON.stringify(token));
    assert.match(result.stderr, token.trim() === '' && token !== '' ? 'without spaces' : 'at least 16 characters');
  }
  const file = join(dir, 'token');
  writeFileSync(file, `${TOKEN}\n`);
  const guarded = await startServedJob(['--source', 'synthetic:dev', '--sink', 'none', '--threads', '1', '--http-token-file', file]);
  try {
    assert.is((await request(guarded.url, '/api/stats')).status, 401);
    assert.is((await request(guarded.url, '/api/stats', { token: TOKEN })).status, 200);
  } finally {
    const { stdout, stderr } = await stopJob(guarded.run);
    assert.not.match(stdout + stderr, TOKEN);
  }
  writeFileSync(file, 'short\n');
  const short = await runCli('main.js', ['--sink', 'none', '--http', '127.0.0.1:0', '--http-token-file', file], { timeoutMs: 20_000 });
  assert.is(short.code, 2);
  assert.match(short.stderr, '--http-token must be at least 16 characters, not 5');
  assert.not.match(short.stderr, 'short\n');
});


test.run();
