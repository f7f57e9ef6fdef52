"""The Python API against the CLI on the generated trivial suite, side by side in one run.

    PYTHONPATH=build/python /usr/bin/python3 bench/python_api.py [--reps 5] [-n 2] [--quick]

Configurations, interleaved rep by rep (each with its own history database, warmed once):
  cli          `fastest -q -n N --db cli.db` as a subprocess (wall time of the process)
  api paths    fastest.run_tests_parallel(["tests"], num_workers=N), in this process
  api items    fastest.run_tests_parallel(fastest.discover(), num_workers=N): discovery included
Prints medians and each API configuration's ratio to the CLI, then `import fastest`'s cost
(timed inside fresh interpreters, with and without loading the extension).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from suites import trivial  # noqa: E402

import fastest  # noqa: E402


def cli(exe, workers, db):
    t = time.perf_counter()
    p = subprocess.run([exe, "-q", "-n", str(workers), "--db", db], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    assert p.returncode == 0, p.stderr
    return wall


def api(tests, workers, db):
    t = time.perf_counter()
    results = fastest.run_tests(tests() if callable(tests) else tests, num_workers=workers, db=db)
    wall = time.perf_counter() - t
    assert results.exit_code == 0 and len(results) > 0, results
    return wall


def import_cost(samples):
    """Medians of what `import fastest` takes, and `import fastest` with its extension loaded
    (first use), timed inside fresh interpreters (the interpreter's own start is not counted,
    nor the machine's noise in starting processes). Bytecode is written and used, as in an
    installed package (pip compiles it), whatever PYTHONDONTWRITEBYTECODE says here."""
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(fastest.__file__))))
    env.pop("PYTHONDONTWRITEBYTECODE", None)

    def median(stmt):
        code = f"import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
        subprocess.run([sys.executable, "-c", code], check=True, env=env, stdout=subprocess.DEVNULL)  # bytecode
        times = [float(subprocess.run([sys.executable, "-c", code], check=True, env=env, capture_output=True,
                                      text=True).stdout) for _ in range(samples)]
        return statistics.median(times)

    return median("import fastest"), median("import fastest; fastest.TestItem")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("-n", "--workers", type=int, default=2)
    p.add_argument("--quick", action="store_true", help="50 modules instead of 500")
    args = p.parse_args()
    exe = fastest.executable()
    shape = trivial.QUICK if args.quick else trivial.FULL
    with tempfile.TemporaryDirectory(prefix="fastest-api-bench-") as root:
        info = trivial.generate(root, **shape)
        os.chdir(root)
        configs = {
            "cli": lambda: cli(exe, args.workers, os.path.join(root, "cli.db")),
            "api paths": lambda: api(["tests"], args.workers, os.path.join(root, "paths.db")),
            "api items": lambda: api(fastest.discover, args.workers, os.path.join(root, "items.db")),
        }
        for run in configs.values():
            run()  # warm: history recorded, harness unpacked, file caches hot
        walls = {name: [] for name in configs}
        for _ in range(args.reps):
            for name, run in configs.items():
                walls[name].append(run())
        base = statistics.median(walls["cli"])
        print(f"trivial suite: {info['tests']} tests in {info['modules']} modules, -n {args.workers}, "
              f"{args.reps} reps, Python {sys.version.split()[0]}")
        print(f"{'configuration':<12} {'median s':>9} {'min s':>7} {'ratio':>6}")
        for name, w in walls.items():
            med = statistics.median(w)
            print(f"{name:<12} {med:9.3f} {min(w):7.3f} {med / base:6.3f}")
    package, extension = import_cost(15)
    print(f"import fastest: {package * 1000:.1f} ms; with the extension loaded (first use): "
          f"{extension * 1000:.1f} ms (medians of 15, timed inside fresh interpreters)")


if __name__ == "__main__":
    main()
