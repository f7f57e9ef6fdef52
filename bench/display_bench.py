#!/usr/bin/env python3
"""The live display's cost and its ETA's accuracy (issue 9's targets).

1. tty-cost: the 10,000-test trivial suite run on a pseudo-terminal (live display,
   colour) and piped (plain lines), alternating, side by side; target: the TTY run at
   most 3% slower (median of the per-pair ratios).
2. eta: the sleepy 60-module suite, a first run to record history, then a second run on
   a pseudo-terminal; the ETA the live area showed at 25%, 50% and 75% of the run's
   elapsed time against the true remaining time; target: within 10%.

Standard library only:

    bench/display_bench.py --fastest build/src/cli/fastest --python /usr/bin/python3 \
        [--reps 5] [--quick] [--only tty-cost|eta]
"""

import argparse
import os
import pty
import re
import resource
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from suites import sleepy, trivial  # noqa: E402

FRAME = re.compile(rb"(\d+%)  .*?  (\d+:\d\d)(?: ETA ([0-9.:]+)s?)?")


def env_for(python, cache):
    env = {k: v for k, v in os.environ.items()
           if k not in ("NO_COLOR", "FORCE_COLOR", "PY_COLORS", "COLUMNS", "CI")}
    env.update(TERM="xterm", LANG="C.UTF-8", FASTEST_PYTHON=python, XDG_CACHE_HOME=cache)
    return env


def run_pty(argv, cwd, env, cols=120):
    """Runs argv on a new pseudo-terminal; returns (seconds, [(t, bytes)], exit code)."""
    t0 = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(cwd)
        os.execve(argv[0], argv, env)
    import fcntl
    import termios
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, cols, 0, 0))
    chunks = []
    while True:
        try:
            r, _, _ = select.select([fd], [], [], 0.5)
            if not r:
                continue
            data = os.read(fd, 1 << 16)
        except OSError:
            break
        if not data:
            break
        chunks.append((time.monotonic() - t0, data))
    _, status, usage = os.wait4(pid, 0)
    os.close(fd)
    run_pty.cpu_s = usage.ru_utime + usage.ru_stime  # the run's own CPU (workers included)
    return time.monotonic() - t0, chunks, os.waitstatus_to_exitcode(status)


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_piped(argv, cwd, env):
    t0 = time.monotonic()
    c0 = children_cpu()
    p = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    run_piped.cpu_s = children_cpu() - c0
    return time.monotonic() - t0, p.stdout, p.returncode


def suite_run(args, work, suite, name):
    """Generates `suite` under work/name; returns (root, info, env, argv) of a -n 2 run."""
    root = os.path.join(work, name)
    info = suite.generate(root, **(suite.QUICK if args.quick else suite.FULL))
    env = env_for(args.python, os.path.join(work, "cache"))
    argv = [args.fastest, "-n", "2", "--db", os.path.join(work, name + ".db")]
    return root, info, env, argv


def tty_cost(args, work):
    root, info, env, argv = suite_run(args, work, trivial, "trivial")
    want = f"{info['tests']} passed".encode()
    # Warm-up: the harness cache, rewritten modules, history.
    for _ in range(2):
        run_piped(argv, root, env)
    tty, piped, ratios, cpu_ratios = [], [], [], []
    for rep in range(args.reps):
        order = ("tty", "pipe") if rep % 2 == 0 else ("pipe", "tty")
        got, cpu = {}, {}
        for kind in order:
            if kind == "tty":
                s, chunks, code = run_pty(argv, root, env)
                out = b"".join(c for _, c in chunks)
                if b"\x1b[J" not in out:
                    sys.exit("tty run drew no live area")
                cpu[kind] = run_pty.cpu_s
            else:
                s, out, code = run_piped(argv, root, env)
                if b"\x1b" in out:
                    sys.exit("piped run wrote escape codes")
                cpu[kind] = run_piped.cpu_s
            if want not in out or code != 0:
                sys.exit(f"{kind} run: expected '{want.decode()}', exit 0; got {code}")
            got[kind] = s
        tty.append(got["tty"])
        piped.append(got["pipe"])
        ratios.append(got["tty"] / got["pipe"])
        cpu_ratios.append(cpu["tty"] / cpu["pipe"])
        print(f"  rep {rep + 1}: tty {got['tty']:.2f}s  piped {got['pipe']:.2f}s  ratio {ratios[-1]:.3f}  "
              f"cpu {cpu['tty']:.2f}s / {cpu['pipe']:.2f}s  ratio {cpu_ratios[-1]:.3f}", file=sys.stderr)
    return {"tests": info["tests"], "tty_median_s": statistics.median(tty),
            "piped_median_s": statistics.median(piped), "ratio_median": statistics.median(ratios),
            "ratios": ratios, "cpu_ratio_median": statistics.median(cpu_ratios)}


def parse_eta(text):
    if ":" in text:
        m, s = text.split(":")
        return int(m) * 60 + int(s)
    return float(text)


def eta_accuracy(args, work):
    root, _, env, argv = suite_run(args, work, sleepy, "sleepy")
    s, _, code = run_piped(argv, root, env)  # first run: history
    print(f"  first run {s:.2f}s (exit {code})", file=sys.stderr)
    results = []
    for rep in range(args.eta_reps):
        total, chunks, code = run_pty(argv, root, env)
        # The run's end as the display sees it: the closing line's arrival.
        end = next((t for t, c in chunks if b" passed in " in c), total)
        shown = []  # (t, eta) for every frame
        for t, c in chunks:
            for m in FRAME.finditer(c):
                if m.group(3):
                    shown.append((t, parse_eta(m.group(3).decode())))
        row = {"run_s": end}
        for frac in (0.25, 0.5, 0.75):
            at = end * frac
            before = [e for t, e in shown if t <= at]
            if not before:
                row[frac] = None
                continue
            true_rest = end - at
            row[frac] = {"eta_s": before[-1], "true_s": true_rest,
                         "error": (before[-1] - true_rest) / true_rest}
        results.append(row)
        cells = "  ".join(f"{int(f * 100)}%: shown {r['eta_s']:.1f}s true {r['true_s']:.1f}s ({r['error']:+.1%})"
                          if r else f"{int(f * 100)}%: none" for f, r in ((f, row[f]) for f in (0.25, 0.5, 0.75)))
        print(f"  second run {rep + 1}: {end:.2f}s  {cells}", file=sys.stderr)
    return results


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--fastest", default="build/src/cli/fastest")
    p.add_argument("--python", default="/usr/bin/python3")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--eta-reps", type=int, default=2)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--only", choices=["tty-cost", "eta"])
    args = p.parse_args()
    args.fastest = os.path.abspath(args.fastest)
    work = tempfile.mkdtemp(prefix="fastest-display-bench-")
    try:
        if args.only in (None, "tty-cost"):
            r = tty_cost(args, work)
            print(f"tty-cost: {r['tests']} tests, -n 2: TTY median {r['tty_median_s']:.2f}s, piped median "
                  f"{r['piped_median_s']:.2f}s, median per-pair ratio {r['ratio_median']:.3f} "
                  f"(target <= 1.03); CPU (controller + workers) median ratio {r['cpu_ratio_median']:.3f}")
        if args.only in (None, "eta"):
            rows = eta_accuracy(args, work)
            for frac in (0.25, 0.5, 0.75):
                errs = [abs(r[frac]["error"]) for r in rows if r.get(frac)]
                worst = max(errs) if errs else float("nan")
                print(f"eta at {int(frac * 100)}%: worst |error| {worst:.1%} over {len(errs)} runs (target <= 10%)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
