#!/usr/bin/env python3
"""Instructions of one native worker over the trivial suite, part by part (callgrind).

The worker is driven in-process (config, one `run` per module, shutdown; frames go to
/dev/null through a spill memory file, as under the controller), so its count is
deterministic and free of the controller and of the machine's load:

    bench/worker_instructions.py --harness python --modules 250
    bench/worker_instructions.py --harness /tmp/old/python --harness python --modules 50

Rows: start-up (no module), collection (every module collected, no test selected), the
full run, and the full run with one per-test part switched off (`--ablate`): `env`
(PYTEST_CURRENT_TEST), `start` (building the start frame), `cap` (capture start/stop),
`frames` (queueing both frames). Per-module and per-test figures are differences of rows.
Standard library and valgrind; the suite and a compiled copy of each harness live in a
temporary directory.
"""
import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))


def drive(harness, suite, nmod, collect_only, ablate):
    """The child: one worker in this process over the first ``nmod`` modules."""
    sys.path.insert(0, harness)
    os.chdir(suite)
    config = {"t": "config", "protocol": 2, "rootdir": suite, "capture": "fd",
              "import_mode": "prepend", "keyword": "", "markexpr": "", "verbose": -1,
              "exitfirst": False, "run_xfail": False, "engine": "native",
              "ini": {"__inifile__": os.path.join(suite, "pytest.ini"), "testpaths": "tests"},
              "basetemp": "", "cache_dir": os.path.join(suite, ".rewrite"), "args": ["-q"],
              "options": {}, "invocation_dir": suite, "worker_id": "gw0", "worker_count": 2}
    mods = sorted(m for m in os.listdir(os.path.join(suite, "tests")) if m.endswith(".py"))
    select = ["tests/none.py::nothing"] if collect_only else []
    msgs = [config] + [{"t": "run", "batch": i + 1, "module": "tests/" + m, "select": select}
                       for i, m in enumerate(mods[:nmod])] + [{"t": "shutdown"}]
    data = b"".join(struct.pack(">I", len(b)) + b for b in (json.dumps(m).encode() for m in msgs))
    r, w = os.pipe()

    def feed():
        os.write(w, data)
        os.close(w)

    threading.Thread(target=feed, daemon=True).start()
    out = os.open(os.devnull, os.O_WRONLY)
    spill = os.memfd_create("spill")
    os.ftruncate(spill, 1 << 20)
    from fastest_worker import main, runner, proto, capture
    for part in ablate:
        if part == "env":
            runner._set_current = lambda v: None
            runner._clear_current = lambda: None
        elif part == "start":
            proto.start_frame_of = lambda b, q: b""
        elif part == "cap":
            capture.Capture.start = lambda self: None
            capture.Capture.stop = lambda self: ("", "")
        elif part == "frames":
            proto.Channel.queue_frame = lambda self, f: None
    main.main(["--in-fd", str(r), "--out-fd", str(out), "--spill-fd", str(spill)])


def instructions(python, harness, suite, nmod, collect_only=False, ablate=()):
    argv = [python, os.path.abspath(__file__), "--child", harness, suite, str(nmod),
            "1" if collect_only else "0", ",".join(ablate)]
    env = dict(os.environ, PYTHONHASHSEED="0")
    proc = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + argv,
                          env=env, capture_output=True, text=True)
    for line in proc.stderr.splitlines():
        if "Collected :" in line:
            return int(line.split(":")[-1].replace(",", ""))
    raise RuntimeError("no callgrind total:\n" + proc.stderr[-2000:])


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        harness, suite, nmod, co, abl = sys.argv[2:7]
        return drive(harness, suite, int(nmod), co == "1", [a for a in abl.split(",") if a])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--harness", action="append", help="a python/ folder (repeat to compare)")
    ap.add_argument("--modules", type=int, default=50, help="modules of 20 tests (max 500)")
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--ablate", action="store_true", help="also the rows with a part off")
    args = ap.parse_args()
    sys.path.insert(0, HERE)
    from suites import trivial
    tmp = tempfile.mkdtemp(prefix="fastest-wi-")
    try:
        suite = os.path.join(tmp, "suite")
        trivial.generate(suite)
        n, tests = args.modules, args.modules * 20
        for i, h in enumerate(args.harness or [os.path.join(os.path.dirname(HERE), "python")]):
            copy = os.path.join(tmp, "h%d" % i)
            shutil.copytree(h, copy, ignore=shutil.ignore_patterns("__pycache__", "tests"))
            subprocess.run([args.python, "-m", "compileall", "-q", copy], check=True,
                           stdout=subprocess.DEVNULL)
            drive_env = dict(os.environ)
            drive_env.pop("PYTHONDONTWRITEBYTECODE", None)
            subprocess.run([args.python, os.path.abspath(__file__), "--child", copy, suite,
                            str(n), "0", ""], env=drive_env, check=True)  # rewrite cache
            start = instructions(args.python, copy, suite, 0)
            co = instructions(args.python, copy, suite, n, collect_only=True)
            full = instructions(args.python, copy, suite, n)
            print("%s: start-up %.1f M; collection %.2f M per module; running %.1f k per test;"
                  " all %.1f M for %d tests" % (h, start / 1e6, (co - start) / n / 1e6,
                                                (full - co) / tests / 1e3, full / 1e6, tests))
            if args.ablate:
                for part in ("env", "start", "cap", "frames"):
                    less = instructions(args.python, copy, suite, n, ablate=(part,))
                    print("  without %-6s %.1f k per test less" % (part, (full - less) / tests / 1e3))
            sys.stdout.flush()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
