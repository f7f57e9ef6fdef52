"""The Python API (python/fastest over src/python_api), run under Debian's python3.

ctest runs it with PYTHONPATH=<build>/python (the package the CMake build assembles);
tests/python_api/test_wheel.py runs it again from a wheel installed into a fresh venv.
Standard library only.
"""
import importlib.util
import io
import os
import pickle
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
import unittest
import warnings
from contextlib import redirect_stdout
from pathlib import Path

import fastest

PROJECT = {
    "pytest.ini": "[pytest]\ntestpaths = tests\nmarkers =\n    slow: slow\n",
    "tests/test_math.py": """
        import pytest

        def test_add():
            assert 1 + 1 == 2

        def test_fail():
            assert 2 * 2 == 5

        @pytest.mark.slow
        @pytest.mark.parametrize("n", [1, 2, 3])
        def test_param(n):
            assert n > 0

        class TestBox:
            def test_in_class(self):
                pass

        @pytest.mark.skip(reason="not today")
        def test_skipped():
            pass
        """,
    "tests/test_crash.py": """
        import os

        def test_dies():
            os._exit(9)

        def test_after():
            pass
        """,
    "tests/check_other.py": """
        def check_me():
            pass
        """,
}


def write_project(root, files):
    for rel, text in files.items():
        p = Path(root, rel)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))


class ApiTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fastest-api-")
        write_project(self.dir, PROJECT)
        self.cwd = os.getcwd()
        os.chdir(self.dir)
        self.env = {k: os.environ.get(k) for k in ("FASTEST_DB", "FASTEST_PYTHON", "PYTEST_ADDOPTS")}
        for k in self.env:
            os.environ.pop(k, None)

    def tearDown(self):
        os.chdir(self.cwd)
        for k, v in self.env.items():
            if v is not None:
                os.environ[k] = v
        shutil.rmtree(self.dir, ignore_errors=True)


class Discover(ApiTest):
    def test_items_in_collection_order_with_their_static_facts(self):
        items = fastest.discover()
        ids = [i.node_id for i in items]
        self.assertEqual(
            ids[:5],
            [
                "tests/test_crash.py::test_dies",
                "tests/test_crash.py::test_after",
                "tests/test_math.py::test_add",
                "tests/test_math.py::test_fail",
                "tests/test_math.py::test_param",
            ],
        )
        param = items[4]
        self.assertEqual(param.path, os.path.join(os.path.realpath(self.dir), "tests", "test_math.py"))
        self.assertEqual(param.file, "tests/test_math.py")
        self.assertEqual(param.line, 12)
        self.assertTrue(param.parametrized)
        self.assertEqual(param.params, ["n"])
        self.assertEqual(items[0].params, [])
        self.assertIn("slow", param.markers)
        box = [i for i in items if i.cls]
        self.assertEqual([(i.cls, i.function) for i in box], [("TestBox", "test_in_class")])
        self.assertEqual(pickle.loads(pickle.dumps(box[0])), box[0])
        self.assertEqual(pickle.loads(pickle.dumps(param)).params, ["n"])

    @unittest.skipUnless(importlib.util.find_spec("pytest"), "needs pytest to compare with")
    def test_params_name_the_argnames_in_pytests_own_order(self):
        write_project(self.dir, {
            "tests/test_order.py": """
                import pytest

                pytestmark = pytest.mark.parametrize("mod", [0])

                @pytest.mark.parametrize("a, b", [(1, 2)])
                @pytest.mark.parametrize(argnames=["c"], argvalues=[(3,)])
                def test_stacked(a, b, c, mod):
                    pass

                @pytest.mark.parametrize(("k",), [(1,)])
                class TestK:
                    pytestmark = [pytest.mark.parametrize("body", [0])]

                    @pytest.mark.parametrize("m", [1])
                    def test_m(self, m, k, body, mod):
                        pass
                """,
            "tests/conftest.py": """
                def pytest_collection_modifyitems(items):
                    for item in items:
                        base = item.nodeid.split("[")[0]
                        print("PARAMS", base, ",".join(item.callspec.params))
                """,
        })
        out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-s", "-p",
                              "no:cacheprovider", "tests/test_order.py"],
                             capture_output=True, text=True, check=True).stdout
        expected = {}
        for line in out.splitlines():
            if line.startswith("PARAMS "):
                _, node, names = line.split(" ")
                expected[node] = names.split(",")
        got = {i.node_id: i.params for i in fastest.discover("tests/test_order.py")}
        self.assertEqual(got, expected)
        self.assertEqual(got["tests/test_order.py::test_stacked"], ["c", "a", "b", "mod"])

    def test_paths_and_ini_overrides(self):
        self.assertEqual([i.node_id for i in fastest.discover("tests/test_crash.py::test_after")],
                         ["tests/test_crash.py::test_after"])
        items = fastest.discover(["tests"], python_files="check_*.py", python_functions=["check_"])
        self.assertEqual([i.node_id for i in items], ["tests/check_other.py::check_me"])

    def test_bad_arguments(self):
        with self.assertRaisesRegex(TypeError, "'paths'"):
            fastest.discover(42)
        with self.assertRaisesRegex(TypeError, "'rootdir'"):
            fastest.discover(rootdir=3.5)
        with self.assertRaises(FileNotFoundError):
            fastest.discover(["no/such/dir"])
        with self.assertRaises(FileNotFoundError):
            fastest.discover(rootdir="no/such/dir")


class RunTests(ApiTest):
    def test_results_of_items_ids_and_paths(self):
        items = [i for i in fastest.discover() if i.file == "tests/test_math.py"]
        results = fastest.run_tests_parallel(items, num_workers=2)
        by_id = {r.node_id: r for r in results}
        self.assertEqual(results.exit_code, 1)
        self.assertEqual(by_id["tests/test_math.py::test_add"].outcome, "passed")
        fail = by_id["tests/test_math.py::test_fail"]
        self.assertEqual(fail.outcome, "failed")
        self.assertTrue(fail.failed)
        self.assertIn("assert", fail.longrepr)
        self.assertEqual(set(fail.durations), {"setup", "call", "teardown"})
        self.assertGreaterEqual(fail.duration, 0)
        self.assertIn(fail.worker, (0, 1))
        self.assertEqual(by_id["tests/test_math.py::test_skipped"].outcome, "skipped")
        self.assertIn("tests/test_math.py::test_param[3]", by_id)
        self.assertEqual(len(results), 7)
        # The run went to the project's history like a CLI run.
        self.assertTrue(os.path.exists(os.path.join(self.dir, ".fastest", "fastest.db")))

        only = fastest.run_tests("tests/test_math.py::test_add", num_workers=0, schedule="fifo", db=":memory:")
        self.assertEqual([(r.node_id, r.outcome) for r in only], [("tests/test_math.py::test_add", "passed")])
        self.assertEqual(only.exit_code, 0)

    def test_a_crashing_worker_is_an_outcome(self):
        results = fastest.run_tests(["tests/test_crash.py"], num_workers=1, db=":memory:")
        outcomes = {r.node_id: r.outcome for r in results}
        self.assertEqual(outcomes["tests/test_crash.py::test_dies"], "crashed")
        self.assertEqual(outcomes["tests/test_crash.py::test_after"], "passed")
        self.assertEqual(results.exit_code, 1)

    def test_extra_args(self):
        results = fastest.run_tests(["tests/test_math.py"], num_workers=0, db=":memory:", args=["-k", "add"])
        self.assertEqual([r.node_id for r in results], ["tests/test_math.py::test_add"])
        self.assertEqual(results.errors, [])

    def test_collection_errors(self):
        Path(self.dir, "tests/test_broken.py").write_text("def test_x(:\n")
        results = fastest.run_tests(["tests/test_broken.py"], num_workers=0, db=":memory:")
        self.assertEqual(results.exit_code, 2)
        self.assertEqual([e.path for e in results.errors], ["tests/test_broken.py"])

    def test_bad_arguments(self):
        for kwargs, name in [
            ({"num_workers": "2"}, "num_workers"),
            ({"num_workers": True}, "num_workers"),
            ({"schedule": 1}, "schedule"),
            ({"db": 5}, "db"),
            ({"engine": None}, "engine"),
            ({"args": "-x"}, "args"),
        ]:
            with self.subTest(name=name), self.assertRaisesRegex(TypeError, f"'{name}'"):
                fastest.run_tests(["tests"], **kwargs)
        with self.assertRaisesRegex(TypeError, "'items_or_ids'"):
            fastest.run_tests(12)
        with self.assertRaisesRegex(TypeError, "'items_or_ids'"):
            fastest.run_tests([1.5])
        with self.assertRaises(FileNotFoundError):
            fastest.run_tests(["tests/test_nope.py::test_a"])
        with self.assertRaisesRegex(ValueError, "schedule"):
            fastest.run_tests(["tests"], schedule="random")
        with self.assertRaisesRegex(ValueError, "no-such-option"):
            fastest.run_tests(["tests"], args=["--no-such-option"])

    def test_corrupt_database_is_set_aside_with_a_warning(self):
        db = os.path.join(self.dir, "bad.db")
        Path(db).write_bytes(b"this is not a database at all" * 100)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            results = fastest.run_tests(["tests/test_math.py::test_add"], num_workers=0, db=db)
        self.assertEqual([r.outcome for r in results], ["passed"])
        self.assertTrue(any(issubclass(w.category, fastest.HistoryWarning) for w in caught), caught)
        self.assertTrue([p for p in os.listdir(self.dir) if p.startswith("bad.db.corrupt")])

    def test_ctrl_c_stops_the_run_then_raises_keyboard_interrupt(self):
        marker = os.path.join(self.dir, "started")
        write_project(self.dir, {"slow/test_sleep.py": f"""
            import time

            def test_sleeps():
                open({marker!r}, "w").close()
                time.sleep(60)
            """})
        polls = []

        def interrupt_once_started():
            # Python runs here while the workers run: the GIL is released.
            while not os.path.exists(marker):
                polls.append(1)
                threading.Event().wait(0.02)
            os.kill(os.getpid(), signal.SIGINT)

        t = threading.Thread(target=interrupt_once_started)
        t.start()
        with self.assertRaises(KeyboardInterrupt):
            fastest.run_tests(["slow"], num_workers=1, db=":memory:")
        t.join()
        self.assertTrue(polls)
        # Python's own handler is back, and the next run is not interrupted.
        self.assertIs(signal.getsignal(signal.SIGINT), signal.default_int_handler)
        again = fastest.run_tests(["tests/test_math.py::test_add"], num_workers=0, db=":memory:")
        self.assertEqual([r.outcome for r in again], ["passed"])


class RunCommandLine(ApiTest):
    def test_like_pytest_main(self):
        r, w = os.pipe()
        saved = os.dup(1)
        os.dup2(w, 1)
        try:
            code = fastest.run(["-q", "--db", ":memory:", "-n", "0", "tests/test_math.py"])
        finally:
            os.dup2(saved, 1)
            os.close(w)
        out = os.read(r, 1 << 20).decode()
        os.close(r)
        self.assertEqual(code, 1)
        self.assertIn("1 failed, 5 passed, 1 skipped", out)
        self.assertEqual(fastest.run(["--no-such-option"]), 4)
        with self.assertRaisesRegex(TypeError, "'args'"):
            fastest.run(5)

    def test_console_script_executable(self):
        exe = fastest.executable()
        out = subprocess.run([sys.executable, "-m", "fastest", "--version"], capture_output=True, text=True)
        self.assertTrue(os.access(exe, os.X_OK), exe)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("fastest", out.stdout + out.stderr)


class HistoryQueries(ApiTest):
    def test_slowest_flaky_runs_plan(self):
        db = os.path.join(self.dir, "h.db")
        with self.assertRaises(FileNotFoundError):
            fastest.History(db).runs()
        fastest.run_tests(["tests/test_math.py"], num_workers=1, db=db)
        # test_fail flips to passing: flaky.
        Path(self.dir, "tests/test_math.py").write_text(
            Path(self.dir, "tests/test_math.py").read_text().replace("2 * 2 == 5", "2 * 2 == 4"))
        fastest.run_tests(["tests/test_math.py"], num_workers=1, db=db)
        h = fastest.History(db)
        self.assertEqual(h.path, db)
        runs = h.runs()
        self.assertEqual(len(runs), 2)
        self.assertEqual([r.exit_status for r in runs], [0, 1])
        self.assertEqual(runs[0].passed, 6)
        slowest = h.slowest(3)
        self.assertEqual(len(slowest), 3)
        self.assertTrue(all(isinstance(s.estimate, float) for s in slowest))
        self.assertEqual([s.node_id for s in h.flaky()], ["tests/test_math.py::test_fail"])
        plan = h.plan(2, paths=["tests/test_math.py"])
        self.assertEqual({b.module for b in plan.batches}, {"tests/test_math.py"})
        self.assertEqual(plan.workers, 2)
        self.assertEqual(plan.recorded_runs, 2)
        # Nothing holds the file open: it can be replaced right away.
        os.replace(db, db + ".moved")
        with self.assertRaises(FileNotFoundError):
            h.slowest()
        with self.assertRaisesRegex(TypeError, "'n'"):
            h.slowest("3")

    def test_the_projects_database_by_default(self):
        fastest.run_tests(["tests/test_math.py::test_add"], num_workers=0)
        h = fastest.History(rootdir=self.dir)
        self.assertEqual(os.path.realpath(h.path), os.path.realpath(os.path.join(self.dir, ".fastest", "fastest.db")))
        self.assertEqual(len(fastest.History().runs()), 1)
        con = sqlite3.connect(h.path)
        con.close()


class Documentation(unittest.TestCase):
    def test_help_is_useful(self):
        out = io.StringIO()
        with redirect_stdout(out):
            help(fastest.run_tests)
        text = out.getvalue()
        for word in ("items_or_ids", "num_workers", "KeyboardInterrupt", "TestResult", "exit_code"):
            self.assertIn(word, text)
        out = io.StringIO()
        with redirect_stdout(out):
            help(fastest.TestResult)
        for word in ("outcome", "longrepr", "durations", "worker"):
            self.assertIn(word, out.getvalue())

    def test_import_leaves_the_extension_for_first_use(self):
        code = ("import sys, fastest; before = 'fastest._fastest' in sys.modules; fastest.TestItem; "
                "print(before, 'fastest._fastest' in sys.modules, 'TestResult' in dir(fastest))")
        env = dict(os.environ, PYTHONPATH=str(Path(fastest.__file__).parent.parent))
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        self.assertEqual(out.stdout.split(), ["False", "True", "True"])
        with self.assertRaises(AttributeError):
            fastest.no_such_name

    def test_stubs_cover_the_public_names(self):
        pkg = Path(fastest.__file__).parent
        stub = (pkg / "__init__.pyi").read_text()
        for name in fastest.__all__:
            self.assertRegex(stub, rf"(class|def) {name}\b|import {name} as {name}\b")
        self.assertTrue((pkg / "py.typed").exists())


if __name__ == "__main__":
    unittest.main()
