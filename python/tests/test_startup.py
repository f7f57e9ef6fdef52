"""Protocol 2 start-up (`configured` / `fatal`), compared with real pytest's exit
codes and messages; conftest options, plugins, worker_id, collection control."""
import os
import subprocess

from . import agreement, driver
from .test_worker import PY, _Base


def setUpModule():
    driver.require("import pytest", PY + " with pytest (python3-pytest)", python=PY)

FATAL = os.path.join(driver.PROJECTS, "fatal")


def run_pytest(root, args=(), env_extra=None):
    """(exit status, stdout+stderr) of real pytest in ``root``."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.update(env_extra or {})
    proc = subprocess.run([agreement.PYTEST_PYTHON, "-P", "-m", "pytest", "-p",
                           "no:cacheprovider", "-q"] + list(args), cwd=root, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    return proc.returncode, proc.stdout.decode("utf-8", "replace")


class FatalLikePytest(_Base):
    """Each session-level error: the worker's `fatal` has pytest's exit status, and the
    line that names the problem appears in both outputs."""

    def check(self, case, args=(), options=None, expect_in=(), env_extra=None, run=None):
        root = os.path.join(FATAL, case)
        rc, out = run_pytest(root, args, env_extra)
        env = dict(os.environ)
        env.update(env_extra or {})
        w = self.worker(root, args=list(args), options=options or {},
                        ini=agreement.read_ini(root), env=env)
        msg = w.startup
        if run is not None:
            self.assertEqual(msg["t"], "configured", msg)
            msgs = w.run(run)
            msg = msgs[-1]
        self.assertEqual(msg["t"], "fatal", msg)
        self.assertEqual(msg["exit_code"], rc, (out, msg))
        for text in expect_in:
            self.assertIn(text, out)
            self.assertIn(text, msg["message"])
        w.proc.wait(timeout=30)
        return msg, w

    def test_configure_raising_is_an_internal_error(self):
        self.check("configure_raises", expect_in=["INTERNALERROR>", "ValueError: boom"])

    def test_pytest_plugins_naming_a_missing_module(self):
        self.check("plugins_missing", expect_in=[
            'Error importing plugin "nonexistent_plugin_xyz"'])

    def test_malformed_filterwarnings_ini_line(self):
        self.check("bad_filterwarnings", expect_in=[
            "ERROR: while parsing the following warning configuration:",
            "  error::NoSuchWarning", "This error occurred:"])

    def test_malformed_dash_w(self):
        self.check("options", args=["-W", "bogus::"], options={"pythonwarnings": ["bogus::"]},
                   expect_in=["  bogus::", "invalid action: 'bogus'"])

    def test_pytest_exit_while_importing_a_conftest(self):
        self.check("exit_at_import", expect_in=["ImportError while loading conftest",
                                                "E   _pytest.outcomes.Exit: bye"])

    def test_pytest_exit_in_configure(self):
        self.check("exit_in_configure", expect_in=["Exit: bye from configure"])

    def test_conftest_import_error(self):
        self.check("conftest_import_error", expect_in=[
            "ImportError while loading conftest",
            "E   ModuleNotFoundError: No module named 'module_that_does_not_exist_xyz'"])

    def test_invalid_conftest_option_value(self):
        self.check("options", args=["--level", "x"],
                   expect_in=["error: argument --level: invalid int value: 'x'"])
        self.check("options", args=["--level", "5"],
                   expect_in=["error: argument --level: invalid choice: 5 (choose from 1, 2, 3)"])

    def test_unknown_option(self):
        self.check("options", args=["--no-such-option"],
                   expect_in=["error: unrecognized arguments: --no-such-option"])

    def test_dash_p_naming_a_missing_module(self):
        self.check("options", args=["-p", "no_such_plugin_xyz"],
                   options={"plugins": ["no_such_plugin_xyz"]},
                   expect_in=['Error importing plugin "no_such_plugin_xyz"'])

    def test_entry_point_plugin_failing_to_import(self):
        site = os.path.join(FATAL, "entry_point", "site")
        self.check("entry_point", env_extra={"PYTHONPATH": site}, run="test_a.py",
                   expect_in=["RuntimeError: plugin broken at import"])

    def test_pytest_plugins_in_a_non_top_level_conftest(self):
        root = os.path.join(FATAL, "non_top_plugins")
        rc, out = run_pytest(root)
        self.assertEqual(rc, 2, out)
        text = "Defining 'pytest_plugins' in a non-top-level conftest is no longer supported"
        self.assertIn(text, out)
        w = self.worker(root, args=[], options={}, ini={})
        self.assertEqual(w.startup["t"], "configured", w.startup)
        msgs = w.run("pkg/test_below.py")
        errors = [m for m in msgs if m["t"] == "collect_error"]
        self.assertEqual(len(errors), 1, msgs)
        self.assertIn(text, errors[0]["longrepr"])
        self.assertIn(os.path.join(root, "pkg", "conftest.py"), errors[0]["longrepr"])
        self.assertFalse([m for m in msgs if m["t"] == "result"], msgs)

    def test_pytest_exit_in_a_test_ends_the_session(self):
        msg, w = self.check("exit_in_test", run="test_exit.py",
                            expect_in=["_pytest.outcomes.Exit: stop here"])
        self.assertIn("!!!!!!! _pytest.outcomes.Exit: stop here !!!!!!!", msg["message"])


class Configured(_Base):
    project = "features4"

    def project_with(self, name, source):
        """A throwaway project holding one test module; its rootdir."""
        root = os.path.join(self.tmp, "proj")
        os.makedirs(root)
        with open(os.path.join(root, name), "w") as f:
            f.write(source)
        return root

    def test_header_lines_and_conftest_options(self):
        w = self.worker(args=["--myopt", "two"], options={})
        self.assertEqual(w.startup, {"t": "configured", "header": ["features4: myopt=two"]})

    def test_worker_id_and_xdist_environment(self):
        root = self.project_with(
            "test_w.py", "import os\n\n\ndef test_w(worker_id, testrun_uid, pytestconfig):\n"
            "    assert worker_id == 'gw1'\n"
            "    assert os.environ['PYTEST_XDIST_WORKER'] == 'gw1'\n"
            "    assert os.environ['PYTEST_XDIST_WORKER_COUNT'] == '3'\n"
            "    assert pytestconfig.workerinput['workerid'] == 'gw1'\n"
            "    assert len(testrun_uid) == 32\n")
        w = self.worker(root, args=[], options={}, worker_id="gw1", worker_count=3)
        res = driver.results(w.run("test_w.py"))
        self.assertEqual(res["test_w.py::test_w"]["outcome"], "passed",
                         res["test_w.py::test_w"]["longrepr"])

    def test_master_has_no_workerinput(self):
        root = self.project_with("test_m.py", "def test_m(worker_id, pytestconfig):\n"
                                 "    assert worker_id == 'master'\n"
                                 "    assert not hasattr(pytestconfig, 'workerinput')\n")
        w = self.worker(root, args=[], options={})
        self.assertEqual(driver.outcomes(w.run("test_m.py")), {"test_m.py::test_m": "passed"})

    def test_records_reach_the_controller(self):
        w = self.worker(args=["--myopt", "two"], options={})
        msgs = w.run("test_records.py")
        res = driver.results(msgs)["test_records.py::test_records"]
        self.assertEqual(res["xml_attributes"], [["attr", "value"]])
        self.assertEqual(res["properties"], [["prop", "1"]])
        self.assertIn({"t": "suite_property", "name": "suite_key", "value": "suite_value"}, msgs)

    def test_deselected_counts_conftest_deselect_k_and_m(self):
        w = self.worker(args=[], options={"deselect": ["test_deselect.py::test_cli_deselected"]},
                        keyword="not stays")
        collected = [m for m in w.run("test_deselect.py") if m["t"] == "collected"][0]
        self.assertEqual(collected["items"], ["test_deselect.py::test_keep"])
        self.assertEqual(collected["deselected"], 4)

    def test_deselected_counts_only_the_batch_share(self):
        w = self.worker(args=[], options={})
        msgs = w.run("test_deselect.py", select=["test_deselect.py::TestSome"])
        collected = [m for m in msgs if m["t"] == "collected"][0]
        self.assertEqual(collected["deselected"], 1)

    def test_ignored_module_reports_no_items(self):
        w = self.worker(args=[], options={})
        for mod in ("test_dyn_ignored.py", "test_hook_ignored.py", "test_x_globbed.py",
                    os.path.join("ignored_dir", "test_in_dir.py")):
            msgs = w.run(mod)
            self.assertEqual([m["t"] for m in msgs], ["collected", "batch_done"], mod)
            self.assertEqual(msgs[0]["items"], [])

    def test_ignore_options_and_named_modules(self):
        w = self.worker(args=["test_opts.py"], options={"ignore": ["test_records.py"],
                                                        "ignore_glob": ["*_xunit.py"]})
        self.assertEqual(driver.outcomes(w.run("test_records.py")), {})
        self.assertEqual(driver.outcomes(w.run("test_unittest_xunit.py")), {})
        # A module named on the command line is collected even if a conftest ignores it.
        w2 = self.worker(args=["test_dyn_ignored.py"], options={})
        self.assertEqual(driver.outcomes(w2.run("test_dyn_ignored.py")),
                         {"test_dyn_ignored.py::test_must_not_run": "failed"})

    def test_raising_ignore_collect_fails_the_collector_whose_walk_asked(self):
        # pytest 7.2: the session walks every directory and package __init__.py, a
        # package the other files of its directory (measured: "ERROR collecting test
        # session" / "ERROR collecting pkg/__init__.py").
        root = self.project_with("conftest.py", (
            "def pytest_ignore_collect(collection_path, config):\n"
            "    if collection_path.name in ('test_top.py', 'test_in.py', 'bad', 'sub'):\n"
            "        raise RuntimeError('boom ' + collection_path.name)\n"))
        for d in ("pkg", "bad", os.path.join("above", "sub")):
            os.makedirs(os.path.join(root, d))
        open(os.path.join(root, "pkg", "__init__.py"), "w").close()
        for mod in ("test_top.py", "pkg/test_in.py", "bad/test_b.py", "above/sub/test_s.py"):
            with open(os.path.join(root, mod), "w") as f:
                f.write("def test_x():\n    pass\n")
        w = self.worker(root, args=[], options={})
        want = {"test_top.py": "", "pkg/test_in.py": "pkg/__init__.py", "bad/test_b.py": ""}
        for mod, collector in want.items():
            err = [m for m in w.run(mod) if m["t"] == "collect_error"]
            self.assertEqual([e["module"] for e in err], [collector], mod)
            self.assertIn("RuntimeError: boom", err[0]["message"])
        # A directory named on the command line (or above one) is never asked about.
        w2 = self.worker(root, args=["above/sub"], options={})
        self.assertEqual(driver.outcomes(w2.run("above/sub/test_s.py")),
                         {"above/sub/test_s.py::test_x": "passed"})

    def test_dash_p_no_plugin_removes_its_fixtures(self):
        root = self.project_with(
            "test_c.py", "def test_cache(cache):\n    pass\n\n\ndef test_caplog(caplog):\n"
            "    pass\n\n\ndef test_tmp(tmp_path):\n    pass\n")
        w = self.worker(root, args=[], options={"plugins": ["no:cacheprovider", "no:logging"]})
        self.assertEqual(driver.outcomes(w.run("test_c.py")),
                         {"test_c.py::test_cache": "error", "test_c.py::test_caplog": "error",
                          "test_c.py::test_tmp": "passed"})


class NoWarningsPlugin(_Base):
    def test_dash_p_no_warnings_leaves_warnings_to_python(self):
        root = os.path.join(self.tmp, "proj")
        os.makedirs(root)
        with open(os.path.join(root, "test_w.py"), "w") as f:
            f.write("import warnings\n\n\ndef test_w():\n    warnings.warn('visible')\n")
        on = self.worker(root, args=[], options={})
        msgs = on.run("test_w.py")
        self.assertIn("UserWarning", [m.get("category") for m in msgs if m["t"] == "warning"])
        off = self.worker(root, args=["-p", "no:warnings"], options={"plugins": ["no:warnings"]})
        msgs = off.run("test_w.py")
        self.assertEqual([m for m in msgs if m["t"] == "warning"], [])
        self.assertIn("UserWarning: visible", driver.results(msgs)["test_w.py::test_w"]["stderr"])


class InfoLikePytest(_Base):
    """``info`` text for --markers and --setup-show, compared with pytest's output."""
    project = "showinfo"

    def test_markers_listing_is_pytests(self):
        root = os.path.join(driver.PROJECTS, self.project)
        _, out = run_pytest(root, ["--markers"])
        w = self.worker(args=["--markers"], options={"markers": True},
                        ini=agreement.read_ini(root))
        self.assertEqual(w.startup["t"], "configured")
        self.assertEqual(w.recv(), {"t": "info", "text": out})

    def test_setup_show_lines_are_pytests(self):
        root = os.path.join(driver.PROJECTS, self.project)
        _, out = run_pytest(root, ["--setup-show", "-p", "no:xdist", "test_show.py"])
        expected = [line for line in out.splitlines()
                    if line.strip().startswith(("SETUP", "TEARDOWN", "test_show.py::"))]
        w = self.worker(args=["--setup-show"], options={"setupshow": True},
                        ini=agreement.read_ini(root))
        msgs = w.run("test_show.py")
        shown = "".join(m["text"] for m in msgs if m["t"] == "info").splitlines()
        # pytest's test lines end with the progress letter; the session teardown
        # comes with the worker's shutdown.
        self.assertEqual(shown, [line.rstrip(".") for line in expected[:-1]])


class SessionHooks(_Base):
    project = "features4"

    def test_sessionfinish_runs_at_shutdown_with_the_workers_status(self):
        out = os.path.join(self.tmp, "finish.txt")
        env = dict(os.environ, FEATURES4_SESSIONFINISH=out)
        w = self.worker(args=["--myopt", "two"], options={}, env=env)
        self.assertEqual(driver.outcomes(w.run("test_opts.py"))["test_opts.py::test_sessionstart_ran"],
                         "passed")
        w.run("test_deselect.py")  # its test_cli_deselected fails here
        w.shutdown()
        with open(out) as f:
            self.assertEqual(f.read(), "sessionfinish 1")


class FixtureListingsLikePytest(_Base):
    """--fixtures (sent at shutdown) and --fixtures-per-test (per collect-only batch)
    give pytest's text: builtins described from the installed _pytest sources."""
    project = "showinfo"

    def listing(self, flag, dest, module):
        root = os.path.join(driver.PROJECTS, self.project)
        _, out = run_pytest(root, [flag, module])
        expected = out.rsplit("\nno tests ran", 1)[0]  # -q: no header
        w = self.worker(args=[flag, "-p", "no:cacheprovider", module],
                        options={dest: True, "plugins": ["no:cacheprovider"]},
                        ini=agreement.read_ini(root))
        msgs = w.run(module, collect_only=True)
        w.send({"t": "shutdown"})
        try:
            while True:
                msgs.append(w.recv())  # --fixtures comes at shutdown
        except driver.WorkerDied:
            pass
        text = "".join(m["text"] for m in msgs if m["t"] == "info")
        self.assertEqual(text.strip("\n"), expected.strip("\n"))

    def test_fixtures(self):
        self.listing("--fixtures", "showfixtures", "test_direct.py")

    def test_fixtures_per_test(self):
        self.listing("--fixtures-per-test", "show_fixtures_per_test", "test_direct.py")


class NodeWarn(_Base):
    project = "features4"

    def test_record_xml_attribute_warning_points_at_the_test(self):
        w = self.worker(args=[], options={})
        warns = [m for m in w.run("test_records.py") if m["t"] == "warning"]
        self.assertEqual([(m["category"], os.path.basename(m["filename"]), m["lineno"])
                          for m in warns], [("PytestExperimentalApiWarning", "test_records.py", 1)])
