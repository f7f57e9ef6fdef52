#!/usr/bin/env python3
"""Whole-run timings of fastest beside pytest and pytest-xdist.

Generates the synthetic suites of bench/suites/ into a temporary directory and
times whole processes (time.monotonic around subprocess.run). Every repetition
runs every configuration once, in an order rotated from one repetition to the
next, so that pytest and fastest share the machine's noise and their ratios
stay comparable on a small, busy machine. Reports median and min per
configuration, checks each run's outcome count, and for the sleepy suite the
ratio of each makespan to the lower bound computed from the generated sleeps.

Standard library only. See bench/README.md and docs/benchmarks.md.

    bench/side_by_side.py --fastest build/src/cli/fastest --python /usr/bin/python3
    bench/side_by_side.py --suite sleepy --reps 3 --markdown
    bench/side_by_side.py --quick             # smoke check, small suites
"""

import argparse
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from suites import sleepy, trivial  # noqa: E402

RUN_TIMEOUT_S = 900


class Step:
    """One process to time: argv, environment, and what a correct run shows."""

    def __init__(self, argv, env, expect, db=None):
        self.argv = argv
        self.env = env
        self.expect = expect  # ("passed", N) or ("collected", N)
        self.db = db  # fastest's database, to read its own makespan figures


class Config:
    """A row of a table: a name and the steps of one repetition.

    `fresh` paths are deleted before every repetition (cold caches, first-run
    history). Only the steps listed in `timed` are reported; the others only
    prepare state (a history-recording first run, reported under its own row).
    """

    def __init__(self, name, steps, fresh=(), runner="pytest", workers=1, note=""):
        self.name = name
        self.steps = steps
        self.fresh = list(fresh)
        self.runner = runner
        self.workers = workers
        self.note = note
        self.times = []  # per repetition, per step
        self.failures = []
        self.fastest_makespans = []  # (predicted, actual) of the last step


def clean_env(cache_dir=None):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "FASTEST_")) and k != "PYTHONDONTWRITEBYTECODE"}
    if cache_dir:
        env["FASTEST_CACHE_DIR"] = cache_dir
    return env


def check_output(step, proc):
    """None if the run shows the expected outcome, else a one-line reason."""
    out = proc.stdout + proc.stderr
    kind, n = step.expect
    if kind == "finished":
        if proc.returncode not in (0, 1) or not re.search(r"\d+ (passed|failed)", out):
            tail = " | ".join(out.strip().splitlines()[-3:])
            return f"rc={proc.returncode}: {tail[:300]}"
        return None
    if kind == "collected":
        ids = sum(1 for line in proc.stdout.splitlines() if "::" in line and " " not in line.strip())
        if ids != n:
            return f"listed {ids} node ids, expected {n} (rc={proc.returncode})"
    else:
        m = re.findall(r"(\d+) passed", out)
        got = int(m[-1]) if m else 0
        bad = re.findall(r"(\d+) (failed|error|errors)\b", out)
        if got != n or bad or proc.returncode != 0:
            tail = " | ".join(out.strip().splitlines()[-3:])
            return f"rc={proc.returncode}, {got} passed, expected {n}: {tail[:300]}"
    return None


def read_fastest_makespan(db):
    """(predicted, actual, planner's lower bound or None) of the last recorded run, or None."""
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        con.row_factory = sqlite3.Row
        try:
            row = con.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    if row is None:
        return None
    bound = row["lower_bound_s"] if "lower_bound_s" in row.keys() else None  # schema 2 on
    return row["predicted_makespan_s"], row["actual_makespan_s"], bound or None


def run_step(step, cwd):
    start = time.monotonic()
    try:
        proc = subprocess.run(step.argv, cwd=cwd, env=step.env, capture_output=True, text=True,
                              timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return time.monotonic() - start, f"timed out after {RUN_TIMEOUT_S} s"
    elapsed = time.monotonic() - start
    return elapsed, check_output(step, proc)


def wipe(paths):
    for p in paths:
        if os.path.isdir(p):
            shutil.rmtree(p)
        else:
            for suffix in ("", "-wal", "-shm", "-journal"):
                if os.path.exists(p + suffix):
                    os.remove(p + suffix)


def select(configs, only):
    """The configs whose name matches one of the `only` regexes (all when none given)."""
    if not only:
        return configs
    return [c for c in configs if any(re.search(o, c.name) for o in only)]


def measure(configs, cwd, reps, warmup):
    """Runs every config `reps` times, rotating the order each repetition."""
    if warmup:
        for c in configs:
            if c.fresh:
                continue  # cold configs are cold by construction
            if warmup == "fastest" and c.runner != "fastest":
                continue
            for step in c.steps:
                run_step(step, cwd)
    for rep in range(reps):
        k = rep % len(configs)
        for c in configs[k:] + configs[:k]:
            wipe(c.fresh)
            row = []
            for step in c.steps:
                elapsed, failure = run_step(step, cwd)
                row.append(elapsed)
                if failure:
                    c.failures.append(f"rep {rep + 1}: {' '.join(step.argv)}: {failure}")
            if c.steps[-1].db:
                c.fastest_makespans.append(read_fastest_makespan(c.steps[-1].db))
            c.times.append(row)
            shown = ", ".join(f"{t:.2f}" for t in row)
            print(f"  [{rep + 1}/{reps}] {c.name}: {shown} s", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- suites


def pytest_argv(args, *extra):
    return [args.python, "-m", "pytest", "-q", *extra]


def fastest_argv(args, db, *extra):
    return [args.fastest, "--python", args.python, "--db", db, *extra]


def trivial_configs(args, work, n_tests):
    env = clean_env()
    warm_cache = os.path.join(work, "cache-warm")
    warm_db = os.path.join(work, "warm.db")
    warm_env = clean_env(warm_cache)
    cold_cache = os.path.join(work, "cache-cold")
    cold_db = os.path.join(work, "cold.db")
    cold_env = clean_env(cold_cache)
    co_db = os.path.join(work, "co-cold.db")
    pyeng_db = os.path.join(work, "pytest-engine.db")
    passed, collected = ("passed", n_tests), ("collected", n_tests)

    def fx(name, db, env_, expect, *extra, fresh=(), workers=1):
        return Config(name, [Step(fastest_argv(args, db, *extra), env_, expect, db)],
                      fresh=fresh, runner="fastest", workers=workers)

    return {
        "collect": [
            Config("pytest --collect-only -q", [Step(pytest_argv(args, "--collect-only"), env, collected)]),
            fx("fastest --collect-only -q (cold: no cache, empty db)", co_db, cold_env, collected,
               "--collect-only", "-q", fresh=[co_db, cold_cache]),
            fx("fastest --collect-only -q (warm)", warm_db, warm_env, collected, "--collect-only", "-q"),
        ],
        "run": [
            Config("pytest", [Step(pytest_argv(args), env, passed)]),
            Config("pytest -n 2 (xdist)", [Step(pytest_argv(args, "-n", "2"), env, passed)], workers=2),
            fx("fastest -n 2 (cold: no harness/rewrite cache, empty db)", cold_db, cold_env, passed,
               "-n", "2", fresh=[cold_db, cold_cache], workers=2),
            fx("fastest -n 2 (warm)", warm_db, warm_env, passed, "-n", "2", workers=2),
            fx("fastest -n 1 (warm)", warm_db, warm_env, passed, "-n", "1"),
        ] + ([
            fx("fastest --engine pytest -n 2 (warm)", pyeng_db, warm_env, passed, "--engine", "pytest", "-n", "2",
               workers=2),
        ] if args.engines else []),
    }


def sleepy_configs(args, work, info):
    env = clean_env()
    cache = os.path.join(work, "cache")
    fenv = clean_env(cache)
    passed = ("passed", info["tests"])
    configs = []
    if args.serial:
        configs.append(Config("pytest (serial)", [Step(pytest_argv(args, "-p", "no:xdist"), env, passed)]))
    for n in (2, 4):
        for dist in ("load", "loadfile"):
            configs.append(Config(f"pytest -n {n} --dist {dist}",
                                  [Step(pytest_argv(args, "-n", str(n), "--dist", dist), env, passed)],
                                  workers=n))
        db = os.path.join(work, f"fifo{n}.db")
        configs.append(Config(f"fastest -n {n} --schedule=fifo",
                              [Step(fastest_argv(args, db, "-n", str(n), "--schedule=fifo"), fenv, passed, db)],
                              fresh=[db], runner="fastest", workers=n))
        db = os.path.join(work, f"hist{n}.db")
        step = Step(fastest_argv(args, db, "-n", str(n), "--schedule=history"), fenv, passed, db)
        configs.append(Config(f"fastest -n {n} --schedule=history", [step, step], fresh=[db],
                              runner="fastest", workers=n,
                              note="1st run on an empty db records history; 2nd run is the one that counts"))
        if args.engines:
            db = os.path.join(work, f"pyeng-hist{n}.db")
            step = Step(fastest_argv(args, db, "--engine", "pytest", "-n", str(n), "--schedule=history"), fenv,
                        passed, db)
            configs.append(Config(f"fastest --engine pytest -n {n} --schedule=history", [step, step], fresh=[db],
                                  runner="fastest", workers=n))
    return configs


# Installed real suites (Debian packages): (name, path, extra pytest/fastest arguments).
REAL_SUITES = [
    ("toolz", "/usr/lib/python3/dist-packages/toolz/tests", []),
    ("networkx", "/usr/lib/python3/dist-packages/networkx", ["--doctest-modules"]),
    ("pyflakes", "/usr/lib/python3/dist-packages/pyflakes/test", []),
    ("bs4", "/usr/lib/python3/dist-packages/bs4/tests", []),
    # A networkx subset that runs in seconds, and mpmath's one long tail.
    ("networkx-classes", "/usr/lib/python3/dist-packages/networkx/classes", ["--doctest-modules"]),
    ("mpmath", "/usr/lib/python3/dist-packages/mpmath", []),
]


def real_configs(args, work, name, path, extra=()):
    """pytest, pytest -n 2 and fastest -n 2 (auto, --engine pytest) on an installed suite.

    The outcome check is "finished with a summary" (exit 0 or 1): real suites have their
    own failures and skips; `fastest verify` is the per-test comparison.
    """
    env = clean_env()
    fenv = clean_env(os.path.join(work, "cache"))
    done = ("finished", 0)
    pytest_extra = ["-p", "no:cacheprovider", *extra, path]
    configs = [
        Config("pytest", [Step(pytest_argv(args, *pytest_extra), env, done)]),
        Config("pytest -n 2 (xdist)", [Step(pytest_argv(args, "-n", "2", *pytest_extra), env, done)], workers=2),
    ]
    for label, engine in (("", []), (" --engine pytest", ["--engine", "pytest"])):
        db = os.path.join(work, f"{name}{label.replace(' ', '_')}.db")
        step = Step(fastest_argv(args, db, *engine, "-n", "2", "-p", "no:cacheprovider", *extra, path), fenv, done, db)
        configs.append(Config(f"fastest{label} -n 2 (history run)", [step], runner="fastest", workers=2))
    return configs


def real_table(name, path, extra, configs, markdown):
    by_name = {c.name: statistics.median([t[-1] for t in c.times]) for c in configs}
    base = by_name.get("pytest -n 2 (xdist)")
    serial = by_name.get("pytest")
    headers = ["command", "median s", "min s", "finished", "vs pytest", "vs pytest -n 2"]
    rows = []
    for c in configs:
        med, mn = stats([t[-1] for t in c.times])
        rows.append([label_cell(c.name, markdown), f"{med:.2f}", f"{mn:.2f}", ok_cell(c),
                     f"{serial / med:.2f}x" if serial else "—", f"{base / med:.2f}x" if base else "—"])
    what = " ".join(["`" + path + "`"] + [f"`{e}`" for e in extra])
    return f"{'### ' if markdown else ''}real suite: {name} ({what})\n\n" + table(headers, rows, markdown)


# ---------------------------------------------------------------- reporting


def stats(values):
    return statistics.median(values), min(values)


def table(headers, rows, markdown):
    if markdown:
        out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
        out += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(out)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    fmt = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths))  # noqa: E731
    return "\n".join([fmt(headers), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows])


def label_cell(label, markdown):
    """`command` (note): the command in code, its note in plain text."""
    if not markdown:
        return label
    cmd, sep, note = label.partition(" (")
    return f"`{cmd}`" + (f" ({note}" if sep else "")


def ok_cell(c):
    return "yes" if not c.failures else f"NO ({len(c.failures)})"


def trivial_tables(groups, markdown):
    out = []
    for group, configs in groups.items():
        base = {c.name: stats([t[-1] for t in c.times])[0] for c in configs if c.runner == "pytest"}
        headers = ["command", "median s", "min s", "outcomes ok"]
        headers += [f"speed-up vs {b}" for b in base]
        rows = []
        for c in configs:
            med, mn = stats([t[-1] for t in c.times])
            row = [label_cell(c.name, markdown), f"{med:.2f}", f"{mn:.2f}", ok_cell(c)]
            row += ["—" if c.runner == "pytest" else f"{b / med:.1f}x" for b in base.values()]
            rows.append(row)
        title = "collect only" if group == "collect" else "full run"
        out.append(f"{'### ' if markdown else ''}trivial suite, {title}\n\n" + table(headers, rows, markdown))
    return "\n\n".join(out)


def sleepy_table(configs, info, markdown):
    headers = ["command", "workers", "lower bound s", "median s", "min s", "median / bound",
               "fastest's own figures (pred / actual [/ bound]) s", "outcomes ok"]
    rows = []
    for c in configs:
        lb = sleepy.lower_bound(info, c.workers) if c.workers > 1 else info["total_s"]
        for i, _ in enumerate(c.steps):
            if len(c.steps) > 1:
                label = c.name + (" (1st run, empty db)" if i == 0 else " (2nd run)")
            else:
                label = c.name
            med, mn = stats([t[i] for t in c.times])
            own = "—"
            if c.runner == "fastest" and i == len(c.steps) - 1:
                ms = [m for m in c.fastest_makespans if m and m[1] is not None]
                if ms:
                    own = (f"{statistics.median(m[0] for m in ms):.2f} / "
                           f"{statistics.median(m[1] for m in ms):.2f}")
                    bounds = [m[2] for m in ms if m[2]]
                    if bounds:
                        own += f" / {statistics.median(bounds):.2f}"
            rows.append([label_cell(label, markdown), str(c.workers), f"{lb:.2f}",
                         f"{med:.2f}", f"{mn:.2f}", f"{med / lb:.3f}", own, ok_cell(c)])
    desc = (f"{info['tests']} tests in {info['modules']} modules, {info['total_s']:.2f} s of sleep in all "
            f"(largest module {info['largest_module_s']:.2f} s, longest single test + its import "
            f"{info['largest_indivisible_s']:.2f} s, {info['one_test_modules']} one-test modules)")
    return f"{'### ' if markdown else ''}sleepy suite\n\n{desc}\n\n" + table(headers, rows, markdown)


def machine(args):
    def out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"
    versions = out([args.python, "-c", "import sys, pytest, xdist; "
                    "print(sys.version.split()[0], pytest.__version__, xdist.__version__)"]).split()
    versions += ["?"] * (3 - len(versions))
    # The binary's own tree (a build dir inside a checkout or worktree), not this script's.
    commit = out(["git", "-C", os.path.dirname(args.fastest), "rev-parse", "--short", "HEAD"]) or "?"
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "nproc": os.cpu_count(),
        "load average at start": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "kernel": platform.release(),
        "python": versions[0], "pytest": versions[1], "pytest-xdist": versions[2],
        "fastest": f"{out([args.fastest, '--version'])} ({args.fastest}, tree at {commit})",
    }


def report_failures(configs):
    lines = []
    for c in configs:
        lines += [f"  {c.name}: {f}" for f in c.failures]
    return ("\nFailed or wrong runs:\n" + "\n".join(lines)) if lines else ""


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--suite", choices=["trivial", "sleepy", "real", "all"], default="all")
    p.add_argument("--engines", action="store_true",
                   help="also time fastest --engine pytest (trivial, sleepy; real suites always do)")
    p.add_argument("--only", action="append", metavar="REGEX",
                   help="time only the rows whose name matches (repeatable; the speed-up columns need "
                        "their pytest rows)")
    p.add_argument("--real", action="append", metavar="NAME",
                   help="real suites to time (repeatable; default all of " +
                        ", ".join(n for n, _, _ in REAL_SUITES) + ")")
    p.add_argument("--reps", type=int, default=5, help="repetitions per configuration (default 5)")
    p.add_argument("--fastest", default=os.path.join(here, "..", "build", "src", "cli", "fastest"))
    p.add_argument("--python", default="/usr/bin/python3", help="interpreter with pytest and pytest-xdist")
    p.add_argument("--markdown", action="store_true", help="print the tables as markdown")
    p.add_argument("--quick", action="store_true", help="small suites, for a smoke check")
    p.add_argument("--serial", action="store_true", help="also time plain pytest on the sleepy suite")
    p.add_argument("--no-warmup", action="store_true", help="skip the untimed warm-up run")
    p.add_argument("--json", metavar="PATH", help="write every timing to PATH")
    p.add_argument("--keep", action="store_true", help="keep the generated suites")
    args = p.parse_args()
    args.fastest = os.path.abspath(args.fastest)
    if not os.access(args.fastest, os.X_OK):
        p.error(f"no fastest binary at {args.fastest} (use --fastest)")

    info_machine = machine(args)
    work = tempfile.mkdtemp(prefix="fastest-bench-")
    sections, dump, all_configs = [], {"machine": info_machine, "suites": {}}, []
    try:
        if args.suite in ("trivial", "all"):
            root = os.path.join(work, "trivial")
            info = trivial.generate(root, **(trivial.QUICK if args.quick else trivial.FULL))
            print(f"trivial: {info['tests']} tests in {info['modules']} modules at {root}", file=sys.stderr)
            groups = {g: select(cs, args.only) for g, cs in trivial_configs(args, work, info["tests"]).items()}
            groups = {g: cs for g, cs in groups.items() if cs}
            for configs in groups.values():
                measure(configs, root, args.reps, not args.no_warmup)
                all_configs += configs
            sections.append(trivial_tables(groups, args.markdown))
            dump["suites"]["trivial"] = {"info": info, "times": {c.name: c.times for g in groups.values() for c in g}}
        if args.suite in ("sleepy", "all"):
            root = os.path.join(work, "sleepy")
            info = sleepy.generate(root, **(sleepy.QUICK if args.quick else sleepy.FULL))
            print(f"sleepy: {info['tests']} tests, {info['total_s']:.2f} s at {root}", file=sys.stderr)
            configs = select(sleepy_configs(args, work, info), args.only)
            # Sleeps dominate; a warm-up only fills pytest's rewrite cache, which the
            # trivial suite measures. One pass of plain collection is enough.
            if not args.no_warmup:
                run_step(Step(pytest_argv(args, "--collect-only"), clean_env(), ("collected", info["tests"])), root)
            measure(configs, root, args.reps, False)
            all_configs += configs
            sections.append(sleepy_table(configs, info, args.markdown))
            dump["suites"]["sleepy"] = {
                "info": info,
                "times": {c.name: c.times for c in configs},
                "fastest_makespans": {c.name: c.fastest_makespans for c in configs if c.runner == "fastest"}}
        if args.suite in ("real", "all"):
            for name, path, extra in REAL_SUITES:
                if args.real and name not in args.real:
                    continue
                if not os.path.isdir(path):
                    print(f"real: {path} missing, skipped", file=sys.stderr)
                    continue
                print(f"real: {name} at {path}", file=sys.stderr)
                configs = select(real_configs(args, work, name, path, extra), args.only)
                # The untimed warm-up records fastest's history, so the timed runs are history
                # runs; pytest's rows need none (the installed packages' bytecode is there).
                measure(configs, work, args.reps, "fastest" if not args.no_warmup else False)
                all_configs += configs
                sections.append(real_table(name, path, extra, configs, args.markdown))
                dump["suites"][name] = {"times": {c.name: c.times for c in configs}}
    finally:
        if args.keep:
            print(f"suites kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

    head = "\n".join(f"- {k}: {v}" if args.markdown else f"{k}: {v}" for k, v in info_machine.items())
    print(head + f"\n{'- ' if args.markdown else ''}repetitions: {args.reps}\n")
    print("\n\n".join(sections))
    print(report_failures(all_configs))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dump, f, indent=1)
    return 1 if any(c.failures for c in all_configs) else 0


if __name__ == "__main__":
    sys.exit(main())
