'use strict';
// The package as a user gets it: `npm pack`, installed into an empty folder, runs `clickstream
// --version`, a job into SQLite and the job's dashboard, with no src/ anywhere (dist/ stands alone).
//
// It needs npm and no network: the install is offline, from npm's cache, which `npm ci` of this
// repository filled. Two differences from a user's `npm install clickstream-0.1.0.tgz`, both about
// npm rather than the package: the versions come from this repository's lock file (a lock for the
// empty folder, which `npm ci --offline` installs without asking the registry for versions), and
// install scripts are off: better-sqlite3's would download a prebuilt binary or compile SQLite, the
// one from network, the other a minute and a half of CPU. The native binary of the same better-sqlite3
// version, already built for this Node by this repository's install, is copied in instead.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { spawn, spawnSync } = require('node:child_process');
const { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const Database = require('better-sqlite3');
const { ROOT } = require('../helpers/cli');
const { logLinesOf, request } = require('../helpers/http');
const { waitFor } = require('../helpers/wait');

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'clickstream-packed-'));
const app = join(dir, 'app');
const tarball = `${manifest.name}-${manifest.version}.tgz`;
const installed = join(app, 'node_modules', manifest.name);
/** Deadline of each npm command: a hang must fail the test, not stall the suite. */
const NPM_DEADLINE_MS = 90_000;

function npm(args, cwd) {
  const result = spawnSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel', 'error'], {
    cwd,
    encoding: 'utf8',
    timeout: NPM_DEADLINE_MS,
    killSignal: 'SIGKILL',
  });
  if (result.error) throw result.error;
  assert.is(result.status, 0, `npm ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** The empty folder's package.json and a lock that pins the package's dependencies as this repository does. */
function writeAppManifests() {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  const dependencies = { [manifest.name]: `file:../${tarball}` };
  const packages = { '': { dependencies } };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path !== '' && entry.dev !== true && entry.devOptional !== true) packages[path] = entry;
  }
  const { version, bin, engines, license } = manifest;
  packages[`node_modules/${manifest.name}`] = { version, resolved: `file:../${tarball}`, dependencies: manifest.dependencies, bin, engines, license };
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, dependencies }, null, 2));
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages }, null, 2));
}

/** An installed command, run in the folder as a user runs it; resolves with { code, stdout, stderr }, or gives `onStart` the child. */
function runInstalled(command, args, { onStart, timeoutMs = 60_000 } = {}) {
  const child = spawn(join(app, 'node_modules', '.bin', command), args, { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const run = { child, result: null, stderr: () => stderr };
  const exited = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stderr.slice(-3000)}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      run.result = { code, stdout, stderr };
      resolve(run.result);
    });
  });
  onStart?.(run);
  return exited;
}

test.before(() => {
  // `npm test` built dist/ just now; packing it as it is spares a second build.
  npm(['pack', '--ignore-scripts', '--pack-destination', dir], ROOT);
  writeAppManifests();
  npm(['ci', '--offline', '--ignore-scripts'], app);
  const binary = join('build', 'Release', 'better_sqlite3.node');
  const target = join(installed, '..', 'better-sqlite3', binary);
  mkdirSync(join(target, '..'), { recursive: true });
  copyFileSync(join(ROOT, 'node_modules', 'better-sqlite3', binary), target);
});

test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('the package carries dist/ and its dashboard files, and no src/, tests or benchmarks', () => {
  assert.ok(existsSync(join(installed, 'dist', 'main.js')));
  for (const name of ['index.html', 'dashboard.js', 'dashboard.css']) assert.ok(existsSync(join(installed, 'dist', 'http', 'dashboard', name)), name);
  for (const name of ['src', 'test', 'bench', 'scripts']) assert.not.ok(existsSync(join(installed, name)), `${name}/ is not in the package`);
});

test('each installed command answers --version', async () => {
  for (const command of Object.keys(manifest.bin)) {
    const run = await runInstalled(command, ['--version']);
    assert.is(run.code, 0, run.stderr);
    assert.is(run.stdout, `${command} ${manifest.version}\n`);
  }
});

test('an installed job writes windows into SQLite and serves its dashboard, page and assets', async () => {
  const db = join(app, 'data', 'clickstream.db');
  let job;
  const exited = runInstalled(
    'clickstream',
    ['--source', 'synthetic:dev', '--rate', '200', '--batch', '1s', '--window', '2s', '--slide', '1s', '--threads', '1',
      '--sink', `sqlite:${db}`, '--http', '127.0.0.1:0', '--log-format', 'json'],
    { onStart: (run) => (job = run) },
  );
  try {
    const url = await waitFor('the job to log its HTTP address', () => logLinesOf(job.stderr()).find((line) => typeof line.url === 'string')?.url, {
      timeoutMs: 30_000,
      stopIf: () => job.result && `it exited: ${job.result.stderr}`,
    });
    const page = await request(url, '/');
    assert.is(page.status, 200);
    assert.is(page.type, 'text/html; charset=utf-8');
    const assets = [...page.text.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map(([, path]) => path);
    assert.ok(assets.length >= 4, `the page names its script, style and chart library: ${assets}`);
    for (const path of assets) {
      const asset = await request(url, path);
      assert.is(asset.status, 200, path);
      assert.ok(asset.text.length > 0, path);
    }
    await waitFor('a window written', async () => (await request(url, '/api/stats')).json.windowsWritten >= 1, { timeoutMs: 30_000 });
  } finally {
    job.child.kill('SIGINT');
  }
  const { code, stderr } = await exited;
  assert.is(code, 0, stderr);
  const reader = new Database(db, { readonly: true });
  try {
    assert.ok(reader.prepare('SELECT COUNT(*) FROM windows').pluck().get() >= 1);
    assert.ok(reader.prepare('SELECT COUNT(*) FROM page_unique_visitors').pluck().get() >= 1);
  } finally {
    reader.close();
  }
});

test.run();
