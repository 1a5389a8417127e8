#!/usr/bin/env python3
"""CPU time of every thread of a command, from /proc/PID/task/*/stat (utime + stime, in clock ticks).

    python3 bench/thread-cpu.py node dist/main.js --source file:events.ndjson --clock event --sink none --threads 1

Samples every 20 ms until the process exits and keeps each thread's last sample (a thread that ended
keeps what it had used by then). Prints the wall time, the total, and one line per thread in order of
creation (thread id); the command's own output is discarded except its last "done" log line.

Node names none of its threads (all show `node` in comm), so they are told apart by creation order.
In `node dist/main.js`: the main thread (its id is the process id), then Node's and V8's helpers (four
of them V8's platform workers, which run garbage collection and compilation; two more stay idle), then
the Piscina workers (one per --threads), then the writer thread, then libuv's thread pool (4, file
system calls), and, with --sink sqlite, the checkpointer thread last.
"""
import os
import subprocess
import sys
import time

TICK = os.sysconf('SC_CLK_TCK')


def sample(pid, last):
    base = f'/proc/{pid}/task'
    try:
        tids = os.listdir(base)
    except FileNotFoundError:
        return
    for tid in tids:
        try:
            with open(f'{base}/{tid}/stat') as stat:
                text = stat.read()
        except (FileNotFoundError, ProcessLookupError):
            continue
        fields = text[text.rindex(')') + 2:].split()
        last[int(tid)] = (int(fields[11]) / TICK, int(fields[12]) / TICK)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    start = time.time()
    child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    last = {}
    while child.poll() is None:
        sample(child.pid, last)
        time.sleep(0.02)
    errors = child.stderr.read().decode(errors='replace')
    wall = time.time() - start
    total = sum(user + system for user, system in last.values())
    print(f'wall {wall:.2f} s, cpu {total:.2f} s, exit {child.returncode}')
    for tid, (user, system) in sorted(last.items()):
        mark = ' (main)' if tid == child.pid else ''
        print(f'  {tid:>8} {user + system:6.2f} s  user {user:.2f}  sys {system:.2f}{mark}')
    done = [line for line in errors.splitlines() if '"done"' in line]
    if done:
        print(done[-1][:400])
    sys.exit(child.returncode)


main()
