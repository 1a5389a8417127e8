'use strict';
// A server's own CPU time, from /proc/PID/stat (utime + stime of all its threads, in clock ticks), so
// the bench can say how much work of the server a row costs. Linux only; elsewhere the figure is null.
const { execFileSync } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

/** Clock ticks per second; 100 on every Linux this runs on, asked of getconf when it can be. */
function ticksPerSecond() {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

const TICKS = ticksPerSecond();

/** Seconds of CPU the process has used, or null when /proc cannot tell. */
function cpuSecondsOf(pid) {
  if (pid === null) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return null;
  }
}

/**
 * The Cassandra node's process: `pid` if given, else the one `npm run services` started from this
 * clone (.services/cassandra.pid), else the only process whose command line runs CassandraDaemon.
 */
function cassandraPid(root, pid) {
  if (pid !== undefined) return pid;
  const file = join(root, '.services', 'cassandra.pid');
  if (existsSync(file)) return Number(readFileSync(file, 'utf8').trim());
  try {
    const pids = execFileSync('pgrep', ['-f', 'CassandraDaemon'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
    return pids.length === 1 ? Number(pids[0]) : null;
  } catch {
    return null;
  }
}

/** Runs `work` and adds the server's CPU seconds over it as `serverCpuSeconds` (null when unknown). */
async function withServerCpu(pid, work) {
  const before = cpuSecondsOf(pid);
  const result = await work();
  const after = cpuSecondsOf(pid);
  return { ...result, serverCpuSeconds: before === null || after === null ? null : after - before };
}

module.exports = { cassandraPid, cpuSecondsOf, withServerCpu };
