"""Runs one command and measures its whole process tree: wall time, CPU time, peak RSS.

    python bench/measure.py --result RESULT.json -- COMMAND [ARGS...]

The command inherits stdin/stdout/stderr. This process makes itself a child subreaper, so a
descendant orphaned by its parent (PySpark's JVM outliving the Python driver, say) is re-parented
here and reaped here, and its CPU time lands in RUSAGE_CHILDREN with everyone else's. The tree's
resident memory is sampled from /proc every --interval seconds and summed over its processes; the
peak of that sum is reported beside the largest single process's ru_maxrss (exact, kernel-kept).

RESULT.json: start_unix_s (just before the command is started), wall_s (until the command exits),
all_exited_s (until its last descendant exits), user_s, sys_s, cpu_s (whole tree, to the end),
peak_tree_rss_kb, max_rss_single_kb, samples, exit_code.
"""

import argparse
import ctypes
import json
import os
import resource
import signal
import subprocess
import threading
import time

PR_SET_CHILD_SUBREAPER = 36
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
# After the command exits, how long its leftover descendants may take to exit before they are killed.
LEFTOVER_GRACE_S = 60


def set_subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def process_table():
    """{pid: (ppid, rss_kb)} for every process now in /proc."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as stat:
                text = stat.read()
        except OSError:
            continue  # gone meanwhile
        # The command name may hold spaces and parentheses: fields are counted after its last ')'.
        fields = text[text.rindex(b")") + 2 :].split()
        table[int(name)] = (int(fields[1]), int(fields[21]) * PAGE_KB)
    return table


def descendants(root, table):
    children = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


class Sampler(threading.Thread):
    def __init__(self, interval):
        super().__init__(daemon=True)
        self.interval = interval
        self.peak_kb = 0
        self.samples = 0
        self.stopping = threading.Event()

    def sample(self):
        table = process_table()
        rss = sum(table[pid][1] for pid in descendants(os.getpid(), table))
        self.peak_kb = max(self.peak_kb, rss)
        self.samples += 1

    def run(self):
        while not self.stopping.wait(self.interval):
            self.sample()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--result", required=True)
    parser.add_argument("--interval", type=float, default=0.05)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command")

    set_subreaper()
    sampler = Sampler(args.interval)
    start = time.time()
    started = time.monotonic()
    child = subprocess.Popen(command)
    sampler.start()
    exit_code = child.wait()
    wall = time.monotonic() - started

    # Reap what is left of the tree (re-parented to us), killing it if it lingers.
    def kill_leftovers():
        for pid in descendants(os.getpid(), process_table()):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    timer = threading.Timer(LEFTOVER_GRACE_S, kill_leftovers)
    timer.start()
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    timer.cancel()
    all_exited = time.monotonic() - started
    sampler.stopping.set()
    sampler.join()

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = {
        "command": command,
        "start_unix_s": start,
        "wall_s": wall,
        "all_exited_s": all_exited,
        "user_s": usage.ru_utime,
        "sys_s": usage.ru_stime,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_tree_rss_kb": sampler.peak_kb,
        "max_rss_single_kb": usage.ru_maxrss,
        "samples": sampler.samples,
        "exit_code": exit_code,
    }
    with open(args.result, "w") as out:
        json.dump(result, out)
    raise SystemExit(exit_code if exit_code >= 0 else 128 - exit_code)


if __name__ == "__main__":
    main()
