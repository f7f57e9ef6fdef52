"""The harness's bytecode is written into its own directory even when the user turned
bytecode writing off (fastest_worker_main._compile_harness), and only there."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from .driver import PYTHON_DIR


class HarnessBytecode(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fastest-pyc-")
        self.harness = os.path.join(self.tmp, "harness")
        os.makedirs(self.harness)
        shutil.copy(os.path.join(PYTHON_DIR, "fastest_worker_main.py"), self.harness)
        shutil.copytree(os.path.join(PYTHON_DIR, "fastest_worker"), os.path.join(self.harness, "fastest_worker"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        self.project = os.path.join(self.tmp, "project")
        os.makedirs(self.project)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start(self, **env_extra):
        env = dict(os.environ, **env_extra)
        # No protocol fds: the worker stops at once, after its imports.
        return subprocess.run([sys.executable, os.path.join(self.harness, "fastest_worker_main.py"),
                               "--in-fd", "90", "--out-fd", "91"], cwd=self.project, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)

    def pycs(self, *parts):
        d = os.path.join(self.harness, "fastest_worker", *parts, "__pycache__")
        return sorted(os.listdir(d)) if os.path.isdir(d) else []

    def test_written_once_with_bytecode_writing_off(self):
        self.start(PYTHONDONTWRITEBYTECODE="1")
        modules = sorted(f for f in os.listdir(os.path.join(self.harness, "fastest_worker")) if f.endswith(".py"))
        tag = sys.implementation.cache_tag
        self.assertEqual(self.pycs(), sorted(m[:-3] + "." + tag + ".pyc" for m in modules))
        self.assertTrue(self.pycs("pytest_engine"))  # compiled, never imported (pytest is not needed)
        # Nothing else is written: not the project, not the harness root.
        self.assertEqual(os.listdir(self.project), [])
        self.assertNotIn("__pycache__", os.listdir(self.harness))
        init = os.path.join(self.harness, "fastest_worker", "__pycache__", "__init__." + tag + ".pyc")
        stamp = os.stat(init).st_mtime_ns
        self.start(PYTHONDONTWRITEBYTECODE="1")
        self.assertEqual(os.stat(init).st_mtime_ns, stamp)  # the second start finds it done


if __name__ == "__main__":
    unittest.main()
