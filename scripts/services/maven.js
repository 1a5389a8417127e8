'use strict';
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { run } = require('./run');
const { requireMaven } = require('./tools');

const MARKER = '.resolved-from';

function pomDigest(pom) {
  return crypto.createHash('sha256').update(fs.readFileSync(pom)).digest('hex');
}

/** True when the jars were copied from this very pom (a changed pom resolves again). */
function areJarsCurrent(paths) {
  try {
    return fs.readFileSync(path.join(paths.lib, MARKER), 'utf8') === pomDigest(paths.pom);
  } catch {
    return false;
  }
}

function jarCount(lib) {
  return fs.readdirSync(lib).filter((file) => file.endsWith('.jar')).length;
}

/** Resolutions under way, by lib folder: two nodes of one distribution starting together resolve it once. */
const resolving = new Map();

/**
 * Copies the runtime jars of a service's pom into its lib folder, unless they are already there.
 * Returns whether Maven ran and how many jars the classpath has.
 */
function ensureJars(paths) {
  if (!resolving.has(paths.lib)) resolving.set(paths.lib, resolveJars(paths));
  return resolving.get(paths.lib);
}

async function resolveJars(paths) {
  if (areJarsCurrent(paths)) return { resolved: false, jars: jarCount(paths.lib) };
  requireMaven();
  fs.rmSync(paths.lib, { recursive: true, force: true });
  const { code, output } = await run('mvn', [
    '-q', '-B', '-f', paths.pom,
    'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${paths.lib}`,
  ]);
  if (code !== 0) throw new Error(`mvn could not resolve ${paths.pom} (exit ${code}):\n${output.trim()}`);
  fs.writeFileSync(path.join(paths.lib, MARKER), pomDigest(paths.pom));
  return { resolved: true, jars: jarCount(paths.lib) };
}

function classpathOf(paths) {
  return path.join(paths.lib, '*');
}

module.exports = { ensureJars, classpathOf };
