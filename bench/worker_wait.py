#!/usr/bin/env python3
"""How long fastest's workers wait for their next batch, binaries alternating.

Each worker runs under a `--python` wrapper whose `sitecustomize` times every `os.read`
of the protocol's input fd (the harness moves it above 1000): the time a worker spends
blocked there between batches is the controller's round trip it waited for. The first
two reads (config, first batch) and the last (shutdown) are left out. Runs the generated
trivial suite (bench/suites/trivial.py) warm at `-n 2`, each binary with its own store
(two untimed runs first), alternating; prints medians. Standard library only.

    bench/worker_wait.py --fastest before=BIN_A --fastest after=BIN_B --reps 8
"""

import argparse
import glob
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from suites import trivial  # noqa: E402

SITECUSTOMIZE = '''import os, time
_read, _pc, _w = os.read, time.perf_counter, os.write
_fd = os.open(os.path.join(%r, "wait.%%d" %% os.getpid()), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
def read(fd, n):
    t = _pc()
    r = _read(fd, n)
    if fd >= 1000:
        _w(_fd, b"%%.6f\\n" %% (_pc() - t))
    return r
os.read = read
'''


def waits(logdir):
    """(seconds waited, reads that blocked > 0.2 ms, reads) over the workers' logs."""
    total, blocked, reads = 0.0, 0, 0
    for f in glob.glob(os.path.join(logdir, "wait.*")):
        with open(f) as fh:
            v = [float(x) for x in fh]
        os.unlink(f)
        if len(v) < 4:
            continue  # not a worker that ran batches
        mid = v[2:-1]
        total += sum(mid)
        blocked += sum(1 for x in mid if x > 0.0002)
        reads += len(mid)
    return total, blocked, reads


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--fastest", action="append", required=True, metavar="NAME=PATH")
    p.add_argument("--python", default="/usr/bin/python3")
    p.add_argument("--reps", type=int, default=8)
    p.add_argument("--quick", action="store_true", help="50 modules instead of 500")
    a = p.parse_args()
    bins = [s.split("=", 1) if "=" in s else (s, s) for s in a.fastest]
    with tempfile.TemporaryDirectory(prefix="fastest-wait-") as tmp:
        root = os.path.join(tmp, "suite")
        sizes = trivial.QUICK if a.quick else trivial.FULL
        trivial.generate(root, **sizes)
        site = os.path.join(tmp, "site")
        os.makedirs(site)
        with open(os.path.join(site, "sitecustomize.py"), "w") as f:
            f.write(SITECUSTOMIZE % site)
        wrapper = os.path.join(tmp, "python.sh")
        with open(wrapper, "w") as f:
            f.write('#!/bin/sh\nPYTHONPATH=%s exec %s "$@"\n' % (site, a.python))
        os.chmod(wrapper, 0o755)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "FASTEST_"))}
        rows = {name: [] for name, _ in bins}

        def run(name, binary, record):
            argv = [binary, "--python", wrapper, "--db", os.path.join(tmp, name + ".db"), "-n", "2", "-q"]
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.monotonic()
            proc = subprocess.run(argv, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            wall = time.monotonic() - t0
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            w = waits(site)
            if " passed" not in proc.stdout:
                sys.exit("%s failed: %s" % (name, (proc.stdout + proc.stderr)[-400:]))
            if record:
                cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
                rows[name].append((wall, cpu) + w)

        for name, binary in bins:
            for _ in range(2):
                run(name, binary, False)
        load0 = os.getloadavg()[0]
        for _ in range(a.reps):
            for name, binary in bins:
                run(name, binary, True)
        load1 = os.getloadavg()[0]
    print("| binary | wall s | user+sys s | workers' wait for their next run, ms | reads blocked > 0.2 ms / reads |")
    print("|---|---|---|---|---|")
    for name, r in rows.items():
        med = lambda k: statistics.median(x[k] for x in r)  # noqa: E731
        print("| %s | %.3f | %.3f | %.1f | %d / %d |" % (name, med(0), med(1), med(2) * 1000, med(3), med(4)))
    print("\nmedians of %d alternating runs; load average %.1f -> %.1f" % (a.reps, load0, load1))


if __name__ == "__main__":
    main()
