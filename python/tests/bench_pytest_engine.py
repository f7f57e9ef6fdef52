"""Start-up cost and per-test overhead of the pytest engine, against plain pytest.

Run: cd python && /usr/bin/python3 -m tests.bench_pytest_engine [N] [--plugins]

CPU seconds (user+system) are measured, not wall time, so the figures hold on a
shared machine; start-up is also given as wall time (spawn -> ``configured``).
"""
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

from .bench_overhead import _cpu_seconds
from .pyengine_util import PLUGINS, PY, EngineWorker


def _write_trivial(root, name, n):
    with open(os.path.join(root, name), "w") as f:
        for i in range(n):
            f.write("def test_%d():\n    pass\n\n" % i)


def _env(plugins):
    env = dict(os.environ)
    env.pop("PYTEST_ADDOPTS", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if plugins:
        env["PYTHONPATH"] = PLUGINS
    return env


def startup(root, plugins, rounds=5):
    """(median wall s, median worker CPU s) from spawn to ``configured``."""
    walls, cpus = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        w = EngineWorker(root, env=_env(plugins), basetemp=os.path.join(root, ".bt"))
        m = w.recv()
        walls.append(time.perf_counter() - t0)
        assert m["t"] == "configured", m
        cpus.append(_cpu_seconds(w.proc.pid))
        w.finish()
    return statistics.median(walls), statistics.median(cpus)


def _child_cpu(cmd, cwd, env):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def import_pytest_cpu(plugins, rounds=5):
    cmd = [PY, "-c", "import pytest"]
    return statistics.median(_child_cpu(cmd, "/", _env(plugins)) for _ in range(rounds))


def pytest_startup_cpu(root, plugins, rounds=5):
    """Plain pytest collecting nothing: its own start-up (configure, plugins, header)."""
    empty = os.path.join(root, "empty")
    os.makedirs(empty, exist_ok=True)
    cmd = [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--co", empty]
    return statistics.median(_child_cpu(cmd, empty, _env(plugins)) for _ in range(rounds))


def per_test_engine(root, n, plugins):
    w = EngineWorker(root, env=_env(plugins), basetemp=os.path.join(root, ".bt"))
    try:
        w.run("test_t1.py")  # warm: pytest's rewrite hooks, first imports
        cpu0 = _cpu_seconds(w.proc.pid)
        w.run("test_t2.py")
        full = _cpu_seconds(w.proc.pid) - cpu0
        cpu0 = _cpu_seconds(w.proc.pid)
        w.run("test_t3.py", select=["test_t3.py::no_such_test"])
        collect = _cpu_seconds(w.proc.pid) - cpu0
    finally:
        w.finish()
    return (full - collect) / n


def per_test_pytest(root, n, plugins):
    base = [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_t2.py"]
    full = _child_cpu(base, root, _env(plugins))
    collect = _child_cpu(base + ["-k", "no_such_test"], root, _env(plugins))
    return (full - collect) / n


def main(argv):
    n = int(argv[0]) if argv and argv[0].isdigit() else 2000
    plugins = "--plugins" in argv
    with tempfile.TemporaryDirectory() as root:
        for name in ("test_t1.py", "test_t2.py", "test_t3.py"):
            _write_trivial(root, name, n)
        wall, cpu = startup(root, plugins)
        print("plugins on PYTHONPATH: %s" % ("yes (%s)" % PLUGINS if plugins else "no"))
        print("import pytest alone:            %.3f s CPU" % import_pytest_cpu(plugins))
        print("plain pytest start-up (--co):   %.3f s CPU" % pytest_startup_cpu(root, plugins))
        print("engine start-up to configured:  %.3f s CPU, %.3f s wall" % (cpu, wall))
        e = per_test_engine(root, n, plugins)
        p = per_test_pytest(root, n, plugins)
        print("per trivial test (n=%d):        engine %.0f us CPU, plain pytest %.0f us CPU"
              % (n, e * 1e6, p * 1e6))


if __name__ == "__main__":
    main(sys.argv[1:])
