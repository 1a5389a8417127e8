'use strict';
const { spawnSync } = require('node:child_process');

/** The major version of `java` on PATH, or null when there is none. */
function javaMajorVersion() {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error) return null;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(result.stderr);
  if (!match) return null;
  // Java 8 and older report themselves as "1.x".
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

/** Fails with an actionable message unless a Java that Cassandra 5.0 and Kafka 3.9 both run on is on PATH. */
function requireJava() {
  const major = javaMajorVersion();
  if (major === null) {
    throw new Error('`java` was not found on PATH: Kafka and Cassandra need Java 17 (e.g. apt-get install openjdk-17-jdk-headless)');
  }
  if (major !== 11 && major !== 17) {
    throw new Error(`\`java\` on PATH is Java ${major}; Cassandra 5.0 runs only on Java 11 or 17 — put a Java 17 first on PATH`);
  }
}

function isOnPath(command, versionFlag) {
  return !spawnSync(command, [versionFlag], { encoding: 'utf8' }).error;
}

function requireMaven() {
  if (!isOnPath('mvn', '-v')) {
    throw new Error('`mvn` was not found on PATH: it is needed once to fetch the server jars from Maven Central (e.g. apt-get install maven)');
  }
}

function requireOpenssl() {
  if (!isOnPath('openssl', 'version')) {
    throw new Error('`openssl` was not found on PATH: it makes the private CA and certificates of the secured servers (e.g. apt-get install openssl)');
  }
}

/**
 * The command that starts `java ARGS`. Cassandra mlockall()s its whole heap at startup; as root nothing
 * stops that, which takes seconds and pins ~1.5 GiB, so root drops CAP_IPC_LOCK and the lock fails
 * harmlessly, as it does for other users. setpriv execs java, so the PID stays the java process.
 */
function javaCommand(args) {
  const isRoot = process.getuid?.() === 0;
  if (isRoot && isOnPath('setpriv', '--version')) return ['setpriv', ['--bounding-set=-ipc_lock', 'java', ...args]];
  return ['java', args];
}

module.exports = { requireJava, requireMaven, requireOpenssl, javaCommand };
