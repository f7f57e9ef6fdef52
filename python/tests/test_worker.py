"""The worker over real pipes: protocol, faults, capture, scopes, reports."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from . import driver
from .driver import PROJECTS, Worker, close_workers, outcomes, results

PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def _has_pytest(python):
    return subprocess.run([python, "-c", "import pytest"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def _python_without_pytest(tmp):
    """An interpreter without pytest: the python3 on PATH or ours when they lack it, else a
    venv of Debian's python3 without its site-packages (python3-venv, from scripts/setup)."""
    for cand in (shutil.which("python3"), sys.executable):
        if cand and not _has_pytest(cand):
            return cand
    venv = os.path.join(tmp, "venv")
    proc = subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", venv],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        raise AssertionError("cannot make a venv without pytest (is python3-venv installed? "
                             "scripts/setup installs it): " + proc.stdout.decode()[-500:])
    python = os.path.join(venv, "bin", "python3")
    assert not _has_pytest(python), python + " still imports pytest"
    return python


class _Base(unittest.TestCase):
    project = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fastest-wtest-")
        self.workers = []

    def tearDown(self):
        close_workers(self.workers)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def worker(self, root=None, **kw):
        kw.setdefault("python", PY)
        kw.setdefault("cache_dir", os.path.join(self.tmp, "cache"))
        kw.setdefault("basetemp", os.path.join(self.tmp, "bt"))
        w = Worker(root or os.path.join(PROJECTS, self.project), **kw)
        self.workers.append(w)
        return w


class Protocol(_Base):
    project = "plain"

    def test_ready_then_batches_then_clean_shutdown(self):
        w = self.worker()
        self.assertEqual(w.ready["protocol"], 2)
        self.assertEqual(w.ready["pid"], w.proc.pid)
        self.assertTrue(w.ready["python"].startswith("3."))
        msgs = w.run("test_plain.py")
        kinds = [m["t"] for m in msgs]
        self.assertEqual(kinds[0], "collected")
        self.assertEqual(kinds[-1], "batch_done")
        items = msgs[0]["items"]
        # Every item: a start, then exactly one result, in run order.
        seq = [(m["t"], m["nodeid"]) for m in msgs if m["t"] in ("start", "result")]
        expected = []
        for nodeid in items:
            expected += [("start", nodeid), ("result", nodeid)]
        self.assertEqual(seq, expected)
        r = results(msgs)["test_plain.py::test_passes"]
        for key in ("setup_s", "call_s", "teardown_s"):
            self.assertGreaterEqual(r[key], 0.0)
        self.assertEqual(r["line"], 5)
        rc, out, err = w.shutdown()
        self.assertEqual(rc, 0, err)

    def test_collect_only_lists_items_and_runs_nothing(self):
        w = self.worker(os.path.join(PROJECTS, "features"))
        msgs = w.run("test_parametrize.py", select=["test_parametrize.py::test_stacked"],
                     collect_only=True)
        self.assertEqual([m["t"] for m in msgs], ["collected", "batch_done"])
        self.assertEqual(len(msgs[0]["items"]), 4)

    def test_dump_fd_gives_thread_stacks_on_sigusr1(self):
        w = self.worker(dump_fd=True)
        os.kill(w.proc.pid, signal.SIGUSR1)
        import select as _select
        data = b""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            r, _, _ = _select.select([w.dump_fd], [], [], 0.5)
            if r:
                data += os.read(w.dump_fd, 65536)
            elif data:
                break
        os.close(w.dump_fd)
        self.assertIn(b"Thread", data)
        self.assertIn(b"main.py", data)

    def test_exits_on_eof(self):
        w = self.worker()
        os.close(w.wfd)
        w.wfd = os.open(os.devnull, os.O_WRONLY)
        self.assertEqual(w.proc.wait(timeout=10), 0)

    def test_select_prefixes(self):
        w = self.worker(os.path.join(PROJECTS, "features"))
        msgs = w.run("test_parametrize.py", select=["test_parametrize.py::test_stacked",
                                                    "test_parametrize.py::test_ids_list[first]"])
        self.assertEqual(sorted(outcomes(msgs)), [
            "test_parametrize.py::test_ids_list[first]",
            "test_parametrize.py::test_stacked[2-0]", "test_parametrize.py::test_stacked[2-1]",
            "test_parametrize.py::test_stacked[3-0]", "test_parametrize.py::test_stacked[3-1]"])

    def test_keyword_and_mark_expressions(self):
        root = os.path.join(PROJECTS, "features")
        w = self.worker(root, keyword="stacked and not 3-", markexpr="")
        got = sorted(outcomes(w.run("test_parametrize.py")))
        self.assertEqual(got, ["test_parametrize.py::test_stacked[2-0]",
                               "test_parametrize.py::test_stacked[2-1]"])
        w2 = self.worker(root, markexpr="custom or (skip and not modmark)")
        got = sorted(outcomes(w2.run("test_marks.py")))
        self.assertEqual(got, ["test_marks.py::test_custom_mark"])
        w3 = self.worker(root, keyword="TestClassMark")
        self.assertEqual(len(outcomes(w3.run("test_marks.py"))), 2)


class Options(_Base):
    project = "features"

    def test_exitfirst_stops_the_batch_after_the_first_failure(self):
        w = self.worker(exitfirst=True)
        msgs = w.run("test_parametrize.py")
        got = [m["nodeid"] for m in msgs if m["t"] == "result"]
        self.assertEqual(got[-1], "test_parametrize.py::test_some_fail[2]")
        self.assertEqual(msgs[-1]["t"], "batch_done")

    def test_run_xfail_reports_xfail_tests_plainly(self):
        w = self.worker(run_xfail=True)
        got = outcomes(w.run("test_marks.py"))
        self.assertEqual(got["test_marks.py::test_xfail_fails"], "failed")
        self.assertEqual(got["test_marks.py::test_xfail_passes"], "passed")

    def test_warnings_are_reported_per_test_and_at_collection(self):
        w = self.worker()
        msgs = w.run("test_marks.py")
        warns = [m for m in msgs if m["t"] == "warning"]
        per_test = {(m["nodeid"], m["category"]) for m in warns}
        self.assertIn(("test_marks.py::test_warning_recorded", "UserWarning"), per_test)
        self.assertIn(("test_marks.py::test_deprecation_warning", "DeprecationWarning"), per_test)
        self.assertIn(("", "PytestUnknownMarkWarning"), per_test)
        # A warning always follows its test's start and precedes the next start.
        order = [(m["t"], m.get("nodeid")) for m in msgs if m["t"] in ("start", "warning")]
        i = order.index(("warning", "test_marks.py::test_warning_recorded"))
        self.assertEqual(order[i - 1], ("start", "test_marks.py::test_warning_recorded"))


class Properties(_Base):
    project = "features2"

    def test_record_property_travels_with_the_result(self):
        w = self.worker()
        res = results(w.run("test_classes.py", select=["test_classes.py::test_record_property"]))
        self.assertEqual(res["test_classes.py::test_record_property"]["properties"],
                         [["answer", "42"]])


class CurrentTestEnv(_Base):
    """PYTEST_CURRENT_TEST in os.environ and in the process environment (what a subprocess
    inherits) alike, phase by phase, and gone when a test removed it."""

    SOURCE = (
        "import os, subprocess, sys\n"
        "import pytest\n"
        "def child():\n"
        "    code = 'import os; print(os.environ.get(\"PYTEST_CURRENT_TEST\"))'\n"
        "    return subprocess.check_output([sys.executable, '-c', code]).decode().strip()\n"
        "@pytest.fixture\n"
        "def fx():\n"
        "    assert child() == os.environ['PYTEST_CURRENT_TEST'] == 'test_env.py::test_phases (setup)'\n"
        "    yield\n"
        "    assert child() == os.environ['PYTEST_CURRENT_TEST'] == 'test_env.py::test_phases (teardown)'\n"
        "def test_phases(fx):\n"
        "    assert child() == os.environ['PYTEST_CURRENT_TEST'] == 'test_env.py::test_phases (call)'\n"
        "def test_removed_by_the_test():\n"
        "    del os.environ['PYTEST_CURRENT_TEST']\n"
        "    assert child() == 'None'\n"
        "def test_next():\n"
        "    assert child() == os.environ['PYTEST_CURRENT_TEST'] == 'test_env.py::test_next (call)'\n")

    def test_each_phase_in_both_environments(self):
        root = os.path.join(self.tmp, "proj")
        os.makedirs(root)
        with open(os.path.join(root, "test_env.py"), "w") as f:
            f.write(self.SOURCE)
        res = results(self.worker(root).run("test_env.py"))
        self.assertEqual({k: v["outcome"] for k, v in res.items()},
                         {"test_env.py::test_phases": "passed",
                          "test_env.py::test_removed_by_the_test": "passed",
                          "test_env.py::test_next": "passed"}, res)


class WithoutPytest(_Base):
    project = "plain"

    def test_plain_suite_runs_where_pytest_is_missing(self):
        python = _python_without_pytest(self.tmp)
        w = self.worker(python=python)
        msgs = w.run("test_plain.py")
        self.assertEqual(outcomes(msgs), {
            "test_plain.py::test_passes": "passed",
            "test_plain.py::test_fails": "failed",
            "test_plain.py::TestGroup::test_method": "passed",
            "test_plain.py::TestCaseStyle::test_ok": "passed",
            "test_plain.py::TestCaseStyle::test_skipped": "skipped",
            "test_plain.py::TestCaseStyle::test_xfail": "xfailed",
        })
        fail = results(msgs)["test_plain.py::test_fails"]["longrepr"]
        self.assertIn("assert {'a': 1} == {'a': 2}", fail)
        self.assertIn("Differing items:", fail)
        self.assertEqual(w.shutdown()[0], 0)


class OtherPythons(_Base):
    """The harness and its assert rewriting under Debian's python3 and every other CPython
    found here (3.8+)."""

    def test_plain_and_rewritten_asserts(self):
        import glob
        pythons = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python3")))
        pythons = [p for p in pythons if not os.path.basename(os.path.dirname(
            os.path.dirname(p))).startswith(("3.6", "3.7"))]
        pythons.insert(0, "/usr/bin/python3")
        for python in pythons:
            with self.subTest(python=python):
                w = self.worker(os.path.join(PROJECTS, "asserts"), python=python)
                res = results(w.run("test_asserts.py"))
                self.assertIn("assert (True and False)",
                              res["test_asserts.py::test_boolop"]["longrepr"])
                self.assertIn("where 1 = f(1)", res["test_asserts.py::test_call"]["longrepr"])
                self.assertEqual(w.shutdown()[0], 0)
                w2 = self.worker(os.path.join(PROJECTS, "plain"), python=python)
                self.assertEqual(outcomes(w2.run("test_plain.py"))["test_plain.py::test_fails"],
                                 "failed")
                self.assertEqual(w2.shutdown()[0], 0)


class Faults(_Base):
    project = "faults"

    def test_worker_survives_misbehaving_tests(self):
        w = self.worker()
        msgs = w.run("test_faults.py")
        got = outcomes(msgs)
        self.assertEqual(got["test_faults.py::test_exit_code"], "failed")
        self.assertIn("SystemExit", results(msgs)["test_faults.py::test_exit_code"]["longrepr"])
        self.assertEqual(got["test_faults.py::test_after_exit"], "passed")
        self.assertEqual(got["test_faults.py::test_fork_child_returns"], "passed")
        ids = [m["nodeid"] for m in msgs if m["t"] == "result"]
        self.assertEqual(len(ids), len(set(ids)), "a forked child reported twice")
        self.assertEqual(got["test_faults.py::test_output_after_close"], "passed")
        self.assertIn("still captured",
                      results(msgs)["test_faults.py::test_output_after_close"]["stdout"])
        self.assertIn("fd still captured",
                      results(msgs)["test_faults.py::test_output_after_fd_close"]["stdout"])
        self.assertEqual(got["test_faults.py::test_input_never_blocks"], "passed")
        after = outcomes(w.run("test_after_faults.py"))
        self.assertEqual(after, {"test_after_faults.py::test_cwd_and_path_usable": "passed"})
        t0 = time.monotonic()
        self.assertEqual(w.shutdown()[0], 0)
        self.assertLess(time.monotonic() - t0, 120, "a leftover (3600 s) thread delayed shutdown")

    def test_fork_during_import_reports_once(self):
        w = self.worker()
        msgs = w.run("test_fork_at_import.py")
        self.assertEqual([m["t"] for m in msgs].count("collected"), 1)
        self.assertEqual(outcomes(msgs), {
            "test_fork_at_import.py::test_after_fork_at_import": "passed"})

    def test_module_level_system_exit_is_a_collect_error(self):
        w = self.worker()
        msgs = w.run("test_module_exit.py")
        err = [m for m in msgs if m["t"] == "collect_error"]
        self.assertEqual(len(err), 1)
        self.assertIn("SystemExit", err[0]["longrepr"])
        self.assertEqual(outcomes(w.run("test_after_faults.py")),
                         {"test_after_faults.py::test_cwd_and_path_usable": "passed"})

    def test_worker_exits_when_parent_dies(self):
        # A middle process starts the worker, then dies by SIGKILL.
        code = (
            "import sys, os, time\n"
            "sys.path.insert(0, %r)\n"
            "from tests.driver import Worker\n"
            "w = Worker(%r, python=%r)\n"
            "print(w.proc.pid, flush=True)\n"
            "time.sleep(60)\n" % (driver.PYTHON_DIR, os.path.join(PROJECTS, "plain"), PY))
        mid = subprocess.Popen([PY, "-c", code], stdout=subprocess.PIPE)
        pid = int(mid.stdout.readline())
        mid.kill()
        mid.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            try:
                if os.waitpid(pid, os.WNOHANG)[0]:
                    break
            except ChildProcessError:
                pass
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
            self.fail("worker outlived its parent")
        mid.stdout.close()


class Scopes(_Base):
    project = "scopes"

    def test_session_fixture_lives_across_batches(self):
        w = self.worker()
        a = outcomes(w.run("test_a.py"))
        b = outcomes(w.run("test_b.py"))
        self.assertEqual(set(a.values()) | set(b.values()), {"passed"}, (a, b))

    def test_session_teardown_error_is_sent_at_shutdown(self):
        w = self.worker()
        w.run("test_session_teardown.py")
        w.send({"t": "shutdown"})
        msgs = []
        while True:
            try:
                msgs.append(w.recv())
            except driver.WorkerDied:
                break
        w.proc.wait(timeout=30)
        teardown = [m for m in msgs if m.get("category") == "TeardownError"]
        self.assertEqual(len(teardown), 1, msgs)
        self.assertIn("session teardown broke", teardown[0]["message"])

    def test_module_teardown_error_lands_on_last_test(self):
        w = self.worker()
        msgs = w.run("test_teardown_error.py")
        res = results(msgs)
        self.assertNotIn("teardown_error", res["test_teardown_error.py::test_first"])
        self.assertIn("module teardown broke",
                      res["test_teardown_error.py::test_last"]["teardown_error"])
        self.assertEqual(res["test_teardown_error.py::test_last"]["outcome"], "passed")


class Output(_Base):
    project = "output"

    def test_fd_capture_catches_python_fd_and_child_output(self):
        w = self.worker()
        res = results(w.run("test_output.py"))
        self.assertEqual(res["test_output.py::test_print"]["stdout"], "to stdout\n")
        self.assertEqual(res["test_output.py::test_print"]["stderr"], "to stderr\n")
        out = res["test_output.py::test_fd_and_subprocess"]["stdout"]
        self.assertIn("raw fd write", out)
        self.assertIn("from child", out)
        self.assertIn("bad \ufffd\ufffd bytes", res["test_output.py::test_invalid_utf8"]["stdout"])
        failed = res["test_output.py::test_fails_with_output"]
        self.assertEqual(failed["outcome"], "failed")
        self.assertIn("shown with failure", failed["stdout"])
        self.assertIn("assert 1 == 2", failed["longrepr"])
        self.assertIn("test_output.py:23: AssertionError", failed["longrepr"])
        self.assertIn("a warning log", res["test_output.py::test_logging"]["log"])

    def test_tee_sys_capture_keeps_a_copy_and_passes_output_on(self):
        w = self.worker(capture="tee-sys")
        res = results(w.run("test_output.py"))
        self.assertEqual(res["test_output.py::test_print"]["stdout"], "to stdout\n")
        rc, out, err = w.shutdown()
        self.assertIn(b"to stdout", out)
        self.assertIn(b"to stderr", err)

    def test_sys_capture_and_no_capture(self):
        w = self.worker(capture="sys")
        res = results(w.run("test_output.py"))
        self.assertEqual(res["test_output.py::test_print"]["stdout"], "to stdout\n")
        w2 = self.worker(capture="no")
        res2 = results(w2.run("test_output.py"))
        self.assertEqual(res2["test_output.py::test_print"]["stdout"], "")
        rc, out, err = w2.shutdown()
        self.assertIn(b"to stdout", out)


class Collection(_Base):
    project = "syntaxerr"

    def test_syntax_error_is_a_collect_error_for_that_module_only(self):
        w = self.worker()
        msgs = w.run("test_broken.py")
        err = [m for m in msgs if m["t"] == "collect_error"]
        self.assertEqual(len(err), 1)
        self.assertEqual(err[0]["line"], 5)
        self.assertIn("SyntaxError", err[0]["longrepr"])
        self.assertFalse([m for m in msgs if m["t"] == "result"])
        self.assertEqual(outcomes(w.run("test_fine.py")), {"test_fine.py::test_fine": "passed"})

    def test_module_skip_and_import_error(self):
        w = self.worker(os.path.join(PROJECTS, "features"))
        skip = results(w.run("test_modskip.py"))
        self.assertEqual(skip["test_modskip.py"]["outcome"], "skipped")
        self.assertEqual(skip["test_modskip.py"]["message"], "whole module skipped")
        msgs = w.run("test_importerror.py")
        err = [m for m in msgs if m["t"] == "collect_error"][0]
        self.assertIn("module_that_is_missing_xyz", err["longrepr"])

    def test_rewrite_cache_is_written_to_the_cache_dir(self):
        cache = os.path.join(self.tmp, "rwcache")
        w = self.worker(os.path.join(PROJECTS, "plain"), cache_dir=cache)
        w.run("test_plain.py")
        found = [f for _, _, fs in os.walk(cache) for f in fs]
        self.assertTrue(found, "no cached rewritten module")


if __name__ == "__main__":
    unittest.main()
