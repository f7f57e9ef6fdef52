"""Run a suite with real pytest and with the worker; compare outcomes test by test."""
import json
import os
import subprocess
import sys
import tempfile

from . import driver

PYTEST_PYTHON = "/usr/bin/python3"


def pytest_outcomes(rootdir, args=(), env_extra=None, junit=None, timeout=900, order=None):
    """nodeid -> outcome according to real pytest (teardown errors as '<id>@teardown').

    ``order``, when a list, receives the node ids in pytest's run order."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "outcomes.json")
        env = dict(os.environ)
        env.update(env_extra or {})
        env["FASTEST_OUTCOMES_JSON"] = out
        env["FASTEST_ORDER_JSON"] = os.path.join(tmp, "order.json")
        env["PYTHONPATH"] = driver.PYTHON_DIR + os.pathsep + env.get("PYTHONPATH", "")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        cmd = [PYTEST_PYTHON, "-P", "-m", "pytest", "-p", "no:cacheprovider", "-p",
               "tests.pytest_outcomes_plugin", "-q", "--continue-on-collection-errors", "--rootdir", rootdir,
               "--basetemp", os.path.join(tmp, "bt"),
               "--junitxml", junit or os.path.join(tmp, "junit.xml")] + list(args)
        proc = subprocess.run(cmd, cwd=rootdir, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout)
        if not os.path.exists(out):
            raise RuntimeError("pytest wrote no outcomes:\n" + proc.stdout.decode()[-3000:])
        if order is not None and os.path.exists(env["FASTEST_ORDER_JSON"]):
            with open(env["FASTEST_ORDER_JSON"]) as f:
                order.extend(json.load(f))
        with open(out) as f:
            return json.load(f)


def read_ini(rootdir):
    """[pytest] section of rootdir/pytest.ini as the controller would send it."""
    import configparser
    path = os.path.join(rootdir, "pytest.ini")
    if not os.path.exists(path):
        return {}
    cp = configparser.ConfigParser(interpolation=None)
    cp.read(path)
    return dict(cp["pytest"]) if cp.has_section("pytest") else {}


def worker_outcomes(rootdir, modules, python=PYTEST_PYTHON, env_extra=None, **kw):
    """nodeid -> outcome according to the worker (same keys as pytest_outcomes)."""
    kw.setdefault("ini", read_ini(rootdir))
    with tempfile.TemporaryDirectory() as tmp:
        kw.setdefault("basetemp", os.path.join(tmp, "bt"))
        kw.setdefault("cache_dir", os.path.join(tmp, "cache"))
        env = dict(os.environ)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.update(env_extra or {})
        outs, msgs = driver.run_project(rootdir, modules, python=python, env=env, **kw)
    return frame_outcomes(msgs), msgs


def frame_outcomes(msgs):
    """nodeid -> outcome from worker frames, with pytest_outcomes' keys ('<id>@teardown'
    for a teardown error, the module path for a collection error)."""
    res = {}
    for m in msgs:
        if m["t"] == "result":
            res[m["nodeid"]] = m["outcome"]
            if m.get("teardown_error"):
                res[m["nodeid"] + "@teardown"] = "error"
        elif m["t"] == "collect_error":
            res[m["module"].replace(os.sep, "/")] = "error"
    return res


def run_order(msgs):
    return [m["nodeid"] for m in msgs if m["t"] == "start"]


def compare(expected, actual):
    """(agreeing count, list of human-readable differences)."""
    diffs = []
    same = 0
    for k in sorted(set(expected) | set(actual)):
        e, a = expected.get(k), actual.get(k)
        if e == a:
            same += 1
        else:
            diffs.append("%s: pytest=%s fastest=%s" % (k, e, a))
    return same, diffs


if __name__ == "__main__":
    root = os.path.abspath(sys.argv[1])
    paths = sys.argv[2:]
    mods = []
    for p in paths or [root]:
        p = os.path.abspath(p)
        if os.path.isdir(p):
            mods.extend(driver.find_modules(root, p))
        else:
            mods.append(os.path.relpath(p, root))
    exp = pytest_outcomes(root, [os.path.join(root, m) for m in mods])
    act, msgs = worker_outcomes(root, mods)
    same, diffs = compare(exp, act)
    print("agree %d / %d" % (same, len(set(exp) | set(act))))
    for d in diffs:
        print("  " + d)
    if "-v" in os.environ.get("AGREE_VERBOSE", ""):
        for m in msgs:
            if m["t"] in ("result",) and m["outcome"] in ("failed", "error"):
                print(m["nodeid"], m["longrepr"][-1500:])
