"""pytest's naming rules from the shared table tests/data/naming_cases.json.

The C++ side (tests/discovery/naming_cases_test.cc) reads the same file, so static
discovery and the worker's collection are held to the same answers; here every case is
also checked against pytest itself, so the table cannot drift from pytest."""
import fnmatch
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from fastest_worker import collect, doctests

from . import driver
from .agreement import PYTEST_PYTHON

CASES_PATH = os.path.join(os.path.dirname(driver.PYTHON_DIR), "tests", "data", "naming_cases.json")
with open(CASES_PATH, encoding="utf-8") as _f:
    CASES = json.load(_f)


def _pytest_answers(code, cases):
    """Evaluates ``code`` (an expression over ``c``, one case) for each case under pytest."""
    script = ("import json, sys, fnmatch\nfrom _pytest.pathlib import fnmatch_ex\n"
              "cases = json.load(sys.stdin)\n"
              f"print(json.dumps([bool({code}) for c in cases]))\n")
    proc = subprocess.run([PYTEST_PYTHON, "-c", script], input=json.dumps(cases).encode(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
    return json.loads(proc.stdout)


def _pytest_ids(roots):
    """root -> the node ids pytest collects there, from one process (pytest.main per root)."""
    script = ("import json, os, sys, pytest\n"
              "class Ids:\n"
              "    def pytest_collection_finish(self, session):\n"
              "        self.ids = [i.nodeid for i in session.items]\n"
              "out = {}\n"
              "for root in json.load(sys.stdin):\n"
              "    os.chdir(root)\n"
              "    ids = Ids()\n"
              "    pytest.main(['-p', 'no:cacheprovider', '--collect-only', '-q', '--rootdir', root,"
              " root], plugins=[ids])\n"
              "    out[root] = ids.ids\n"
              "sys.__stdout__.write('\\n' + json.dumps(out))\n")
    proc = subprocess.run([PYTEST_PYTHON, "-c", script], input=json.dumps(roots).encode(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    out = proc.stdout.decode("utf-8")
    try:
        return json.loads(out.rsplit("\n", 1)[1]), out
    except (IndexError, ValueError):
        raise AssertionError("pytest did not report its ids:\n" + out[-3000:])


class NamingCases(unittest.TestCase):
    maxDiff = None

    def test_fnmatch(self):
        for c in CASES["fnmatch"]:
            with self.subTest(**c):
                self.assertEqual(fnmatch.fnmatch(c["name"], c["pattern"]), c["match"])

    def test_fnmatch_ex(self):
        cases = CASES["fnmatch_ex"]
        truth = _pytest_answers("fnmatch_ex(c['pattern'], c['path'])", cases)
        for c, t in zip(cases, truth):
            with self.subTest(**c):
                self.assertEqual(t, c["match"], "the table disagrees with pytest")
                self.assertEqual(doctests._fnmatch_ex(c["pattern"], c["path"]), c["match"])

    def test_prefix_or_glob(self):
        for c in CASES["prefix_or_glob"]:
            with self.subTest(name=c["name"], options=c["options"]):
                self.assertEqual(collect._matches(c["name"], c["options"]), c["match"])

    def test_modules(self):
        tmp = tempfile.mkdtemp(prefix="fastest-naming-")
        try:
            roots = []
            for i, c in enumerate(CASES["modules"]):
                root = os.path.join(tmp, str(i))
                os.mkdir(root)
                with open(os.path.join(root, "pytest.ini"), "w") as f:
                    f.write("[pytest]\n" + "".join(f"{k} = {v}\n" for k, v in c.get("ini", {}).items()))
                with open(os.path.join(root, c["file"]), "w", encoding="utf-8") as f:
                    f.write(c["source"])
                roots.append(root)
            truth, log = _pytest_ids(roots)
            for c, root in zip(CASES["modules"], roots):
                with self.subTest(c["name"]):
                    self.assertEqual(truth[root], c["ids"], "the table disagrees with pytest:\n" + log)
                    if not c["ids"]:
                        # The worker is sent only files static discovery found; a file
                        # python_files rejects is not one (the C++ test checks that side).
                        continue
                    w = driver.Worker(root, python=PYTEST_PYTHON, ini=c.get("ini", {}),
                                      env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
                    try:
                        msgs = w.run(c["file"], collect_only=True)
                    finally:
                        w.shutdown()
                    self.assertEqual([i for m in msgs if m["t"] == "collected" for i in m["items"]],
                                     c["ids"])
        finally:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    unittest.main()
