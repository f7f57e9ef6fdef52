"""Driving the pytest engine over real pipes and comparing it with real pytest."""
import functools
import os
import shutil
import tempfile
import unittest

from . import agreement
from .driver import PROJECTS, PYTHON_DIR, Worker, close_workers, results  # noqa: F401 (re-exported)

PY = "/usr/bin/python3"
PLUGINS = os.path.join(os.path.dirname(PYTHON_DIR), "third_party", "plugins", "usr", "lib",
                       "python3", "dist-packages")


@functools.lru_cache(maxsize=None)
def has_pytest():
    import subprocess
    if not os.path.exists(PY):
        return False
    return subprocess.run([PY, "-c", "import pytest"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


class EngineWorker(Worker):
    """A worker started with ``engine: "pytest"``; ``run()`` returns at this batch's
    ``held`` or ``batch_done`` (frames of an earlier held batch included)."""

    def __init__(self, rootdir, args=(), worker_id="gw0", worker_count=1, hold_last=True,
                 invocation_dir=None, **kw):
        extra = {"engine": "pytest", "args": list(args), "worker_id": worker_id,
                 "worker_count": worker_count, "hold_last": hold_last,
                 "invocation_dir": invocation_dir or rootdir}
        kw.setdefault("python", PY)
        Worker.__init__(self, rootdir, config_extra=extra, **kw)
        self.frames = []

    def recv_until(self, done):
        msgs = []
        while True:
            m = self.recv()
            msgs.append(m)
            self.frames.append(m)
            if done(m) or m["t"] == "fatal":
                return msgs

    def run(self, module, select=(), collect_only=False):
        self.batch += 1
        b = self.batch
        msg = {"t": "run", "batch": b, "module": module, "select": list(select)}
        if collect_only:
            msg["collect_only"] = True
        self.send(msg)
        return self.recv_until(lambda m: m["t"] in ("held", "batch_done") and m["batch"] == b)

    def finish(self, **fields):
        """``shutdown`` (with ``fields``: ``stop``, ``interrupted``); the frames sent
        after it, the exit code and stderr."""
        self.send(dict({"t": "shutdown"}, **fields))
        return self.finish_read()

    def finish_read(self):
        """The frames up to the worker's exit, the exit code and stderr."""
        msgs = []
        try:
            while True:
                m = self.recv()
                msgs.append(m)
                self.frames.append(m)
        except Exception:
            pass
        rc, out, err = self.shutdown()
        self.stdout = out
        return msgs, rc, err


outcomes = agreement.frame_outcomes


def modules_in_order(order):
    mods = []
    for nodeid in order:
        mod = nodeid.split("::", 1)[0]
        if mod not in mods:
            mods.append(mod)
    return mods


class EngineCase(unittest.TestCase):
    project = None
    maxDiff = None

    def setUp(self):
        if os.environ.get("FASTEST_SKIP_PYENGINE_TESTS"):
            self.skipTest("run by the python_pytest_engine ctest")
        if not has_pytest():
            raise AssertionError(f"{PY} has no pytest (python3-pytest; scripts/setup installs it)")
        self.tmp = tempfile.mkdtemp(prefix="fastest-pyengine-")
        self.workers = []

    def tearDown(self):
        close_workers(self.workers)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def root(self):
        return os.path.join(PROJECTS, self.project)

    def env(self, **extra):
        env = dict(os.environ)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTEST_ADDOPTS", None)
        env.update(extra)
        return env

    def worker(self, root=None, **kw):
        kw.setdefault("basetemp", os.path.join(self.tmp, "bt"))
        kw.setdefault("env", self.env())
        w = EngineWorker(root or self.root(), **kw)
        self.workers.append(w)
        return w

    def pytest_run(self, root=None, args=(), env_extra=None):
        """(nodeid -> outcome, module order) from real pytest."""
        order = []
        env = {"PYTHONDONTWRITEBYTECODE": "1"}
        env.update(env_extra or {})
        outs = agreement.pytest_outcomes(root or self.root(), list(args), env_extra=env,
                                         order=order)
        return outs, modules_in_order(order)

    def engine_run(self, modules, root=None, **kw):
        w = self.worker(root, **kw)
        for mod in modules:
            w.run(mod)
        tail, rc, err = w.finish()
        return w, rc, err
