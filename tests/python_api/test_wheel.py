"""The package as a user installs it: `pip install --no-build-isolation .` into a fresh venv
made by Debian's python3, then the venv's `fastest` command on the example suite and the
API tests (test_api.py) against the installed package.

ctest sets FASTEST_BUILD_DIR to its CMake build (already built for /usr/bin/python3), so
the install runs the real setup script and `cmake --build` with nothing left to compile:
seconds, not a second full build. Standard library only.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SOURCE = Path(os.environ.get("FASTEST_SOURCE_DIR", Path(__file__).resolve().parents[2]))
HERE = Path(__file__).resolve().parent


class InstalledWheel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.environ.get("FASTEST_BUILD_DIR"):
            raise unittest.SkipTest("FASTEST_BUILD_DIR is not set (ctest sets it; without it pip builds from scratch)")
        cls.tmp = tempfile.mkdtemp(prefix="fastest-wheel-")
        cls.venv = Path(cls.tmp, "venv")
        # --system-site-packages: Debian's pytest for the example suite's conftest.
        subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", str(cls.venv)], check=True)
        env = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
        env.pop("PYTHONPATH", None)
        cls.env = env
        pip = subprocess.run(
            [str(cls.venv / "bin/pip"), "install", "--no-build-isolation", "--no-cache-dir", str(SOURCE)],
            capture_output=True, text=True, env=env, cwd=cls.tmp)
        if pip.returncode != 0:
            raise AssertionError(f"pip install failed:\n{pip.stdout}\n{pip.stderr}")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_in_venv(self, cmd, cwd):
        env = dict(self.env)
        env.pop("VIRTUAL_ENV", None)  # not activated: the console script finds the venv itself
        return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)

    def test_console_script_runs_the_example_suite(self):
        demo = Path(self.tmp, "demo")
        shutil.copytree(SOURCE / "examples/demo", demo)
        out = self.run_in_venv([str(self.venv / "bin/fastest"), "-n", "2"], demo)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        last = out.stdout.strip().splitlines()[-1]
        self.assertRegex(last, r"\d+ passed.* in ")
        code = self.run_in_venv(
            [str(self.venv / "bin/python"), "-c", "import fastest; print(fastest.run(['-q', '.']))"], demo)
        self.assertEqual(code.stdout.strip().splitlines()[-1], "0", code.stdout + code.stderr)

    def test_the_api_from_the_installed_package(self):
        out = self.run_in_venv(
            [str(self.venv / "bin/python"), "-m", "unittest", "-v", "test_api"], HERE)
        self.assertEqual(out.returncode, 0, out.stderr[-4000:])
        where = self.run_in_venv(
            [str(self.venv / "bin/python"), "-c", "import fastest; print(fastest.__file__)"], self.tmp)
        self.assertTrue(where.stdout.startswith(str(self.venv)), where.stdout + where.stderr)


if __name__ == "__main__":
    unittest.main()
