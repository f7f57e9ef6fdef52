"""Per-test wall time of each engine beyond the tests' own sleeps, over real pipes.

Run: cd python && /usr/bin/python3 -m tests.bench_sleep_overhead [SLEEP_S] [ROUNDS]

Writes 4 modules of 150 tests that each sleep SLEEP_S (default 0.005), runs the first
module as a warm-up, then times the other three in one worker of each engine (native,
pytest), alternating, and prints the median and min per-test overhead in microseconds.
The sleepy suite's gap to its bound is this cost (docs/benchmarks.md).
"""
import os
import shutil
import statistics
import sys
import tempfile
import time

from .driver import Worker
from .pyengine_util import PY, EngineWorker

MODULES, TESTS = 4, 150


def _write(root, sleep_s):
    with open(os.path.join(root, "pytest.ini"), "w") as f:
        f.write("[pytest]\n")
    for m in range(MODULES):
        with open(os.path.join(root, "test_m%d.py" % m), "w") as f:
            f.write("import time\n")
            for i in range(TESTS):
                f.write("def test_%d():\n    time.sleep(%r)\n" % (i, sleep_s))


def overhead_us(kind, root, sleep_s):
    env = dict(os.environ)
    env.pop("PYTEST_ADDOPTS", None)
    bt = os.path.join(root, ".bt")
    if kind == "pytest":
        w = EngineWorker(root, env=env, basetemp=bt)
        w.recv()
    else:
        w = Worker(root, python=PY, env=env, basetemp=bt, worker_id="gw0", worker_count=1)
    w.run("test_m0.py")
    t = time.perf_counter()
    for m in range(1, MODULES):
        w.run("test_m%d.py" % m)
    elapsed = time.perf_counter() - t
    if kind == "pytest":
        w.finish()
    else:
        w.shutdown()
    n = (MODULES - 1) * TESTS
    return (elapsed - n * sleep_s) / n * 1e6


def main(argv):
    sleep_s = float(argv[0]) if argv else 0.005
    rounds = int(argv[1]) if len(argv) > 1 else 3
    root = tempfile.mkdtemp(prefix="fastest-sleep-overhead-")
    try:
        _write(root, sleep_s)
        got = {"native": [], "pytest": []}
        for _ in range(rounds):
            for kind in got:
                got[kind].append(overhead_us(kind, root, sleep_s))
        print("sleep %.3f s, load %.1f" % (sleep_s, os.getloadavg()[0]))
        for kind, v in got.items():
            print("%-6s per-test overhead us: median %.0f, min %.0f" % (kind, statistics.median(v), min(v)))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
