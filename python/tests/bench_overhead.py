"""Per-test overhead of the worker for trivial tests (import excluded).

Run: /usr/bin/python3 -m tests.bench_overhead [N]
"""
import os
import sys
import tempfile
import time

from . import driver


def measure(n=5000, python=None, capture="fd"):
    with tempfile.TemporaryDirectory() as root:
        with open(os.path.join(root, "test_trivial.py"), "w") as f:
            for i in range(n):
                f.write("def test_%d():\n    pass\n\n" % i)
        w = driver.Worker(root, python=python, capture=capture,
                          cache_dir=os.path.join(root, ".cache"))
        try:
            w.run("test_trivial.py")  # warm: rewrite cache, imports
            # A second module name so the import is real but cached code is reused.
            os.rename(os.path.join(root, "test_trivial.py"), os.path.join(root, "test_trivial2.py"))
            cpu0 = _cpu_seconds(w.proc.pid)
            t0 = time.perf_counter()
            msgs = w.run("test_trivial2.py")
            wall = time.perf_counter() - t0
            cpu_full = _cpu_seconds(w.proc.pid) - cpu0
            # Same import and collection, no test run: the difference is the run cost.
            os.rename(os.path.join(root, "test_trivial2.py"), os.path.join(root, "test_trivial3.py"))
            cpu0 = _cpu_seconds(w.proc.pid)
            w.run("test_trivial3.py", select=["test_trivial3.py::no_such_test"])
            cpu_collect = _cpu_seconds(w.proc.pid) - cpu0
            cpu = cpu_full - cpu_collect
        finally:
            w.shutdown()
    done = msgs[-1]
    results = [m for m in msgs if m["t"] == "result"]
    assert len(results) == n, len(results)
    per_test = (done["duration_s"] - done["import_s"]) / n
    return {"n": n, "per_test_us": per_test * 1e6, "import_s": done["import_s"],
            "batch_wall_s": wall, "cpu_per_test_us": cpu / n * 1e6}


def _cpu_seconds(pid):
    """User+system CPU seconds of a process (Linux /proc), so a busy machine skews less."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    for cap in ("fd", "sys", "no"):
        r = measure(n, capture=cap)
        print("capture=%s: %.1f us/test wall in the worker (incl. protocol), %.1f us/test "
              "worker CPU (import excluded), import %.3f s, batch wall %.3f s for %d tests"
              % (cap, r["per_test_us"], r["cpu_per_test_us"], r["import_s"],
                 r["batch_wall_s"], r["n"]))
