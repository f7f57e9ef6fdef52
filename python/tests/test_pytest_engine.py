"""The pytest engine over real pipes, compared with real pytest test by test."""
import os

from .pyengine_util import PLUGINS, PY, PYTHON_DIR, EngineCase, outcomes, results


class Agreement(EngineCase):
    project = "pyengine"

    def events(self, name):
        return os.path.join(self.tmp, name)

    def read_events(self, name):
        with open(self.events(name)) as f:
            return f.read().splitlines()

    def test_outcomes_and_fixture_scopes_match_pytest(self):
        ref, modules = self.pytest_run(env_extra={"PYENGINE_EVENTS": self.events("pytest")})
        w, rc, err = self.engine_run(
            modules, env=self.env(PYENGINE_EVENTS=self.events("engine")))
        self.assertEqual(rc, 0, err)
        self.assertEqual(outcomes(w.frames), ref)
        # Same fixture setups/teardowns in the same order: module, class and package
        # scopes end where pytest ends them, the session lives across batches, and
        # the makereport hookwrapper's item.rep_call is there for the fixture.
        self.assertEqual(self.read_events("engine"), self.read_events("pytest"))
        self.assertIn("call_outcome test_rep_call_failed failed", self.read_events("engine"))

    def test_without_holding_the_session_still_outlives_batches(self):
        ref, modules = self.pytest_run()
        w, rc, err = self.engine_run(
            modules, hold_last=False, env=self.env(PYENGINE_EVENTS=self.events("engine")))
        self.assertEqual(rc, 0, err)
        self.assertEqual(outcomes(w.frames), ref)
        ev = self.read_events("engine")
        self.assertEqual(ev.count("session setup"), 1)
        self.assertEqual(ev[-1], "session teardown")
        self.assertEqual(ev.count("package setup"), 1)
        self.assertNotIn(b"session teardown output", w.stdout)

    def test_without_holding_a_package_is_torn_down_before_the_next_batch(self):
        w, rc, err = self.engine_run(
            ["pkg/test_p1.py", "test_d_pytester.py", "pkg/test_p2.py"], hold_last=False,
            env=self.env(PYENGINE_EVENTS=self.events("engine")))
        self.assertEqual(rc, 0, err)
        self.assertEqual(set(outcomes(w.frames).values()), {"passed"}, outcomes(w.frames))
        # pkg/conftest.py's pytest_runtest_setup is not called for test_d_pytester's
        # tests, which run after that conftest was loaded (item.ihook per path).
        self.assertEqual(self.read_events("engine"), [
            "pkg hook setup test_p1", "session setup", "package setup", "test_p1",
            "package teardown", "pkg hook setup test_p2", "package setup", "test_p2",
            "package teardown", "session teardown"])

    def test_held_last_test_runs_when_the_next_batch_is_known(self):
        w = self.worker()
        first = w.run("test_a_hooks.py")
        self.assertEqual(first[0]["t"], "configured")
        self.assertIn("pyengine-header: 1", first[0]["header"])
        self.assertEqual(first[-1], {"t": "held", "batch": 1, "nodeid": "test_a_hooks.py::test_worker_env"})
        collected = [m for m in first if m["t"] == "collected"][0]
        self.assertEqual(collected["deselected"], 1)  # by the conftest's modifyitems
        second = w.run("test_b_scopes.py")
        kinds = [(m["t"], m.get("batch")) for m in second]
        self.assertEqual(kinds[:5], [("collected", 2), ("start", 1), ("result", 1),
                                     ("batch_done", 1), ("start", 2)])
        self.assertEqual(second[-1]["t"], "held")
        tail, rc, err = w.finish()
        self.assertEqual(rc, 0, err)
        self.assertEqual([(m["t"], m.get("batch")) for m in tail],
                         [("start", 2), ("result", 2), ("batch_done", 2)])

    def test_a_module_split_over_two_batches_keeps_its_module_fixture(self):
        w = self.worker(env=self.env(PYENGINE_EVENTS=self.events("engine")))
        w.run("test_b_scopes.py", select=["test_b_scopes.py::test_first", "test_b_scopes.py::TestK"])
        w.run("test_b_scopes.py", select=["test_b_scopes.py::test_last"])
        tail, rc, err = w.finish()
        self.assertEqual(rc, 0, err)
        ev = self.read_events("engine")
        self.assertEqual(ev.count("module setup"), 1, ev)
        self.assertEqual(ev.index("module teardown"), ev.index("test_last") + 1, ev)

    def test_result_fields(self):
        w = self.worker()
        w.run("test_c_outcomes.py")
        w.finish()
        res = results(w.frames)
        r = res["test_c_outcomes.py::test_output"]
        self.assertEqual(r["outcome"], "passed")
        self.assertIn("to stdout", r["stdout"])
        self.assertEqual(r["properties"], [["answer", "42"]])
        self.assertEqual(r["line"], 47)
        r = res["test_c_outcomes.py::test_skip"]
        self.assertEqual((r["outcome"], r["when"]), ("skipped", "setup"))
        self.assertEqual(r["longrepr"], "test_c_outcomes.py:19: not today")
        r = res["test_c_outcomes.py::test_xpass_strict"]
        self.assertEqual(r["outcome"], "failed")
        self.assertIn("[XPASS(strict)] strict", r["longrepr"])
        r = res["test_c_outcomes.py::test_setup_error"]
        self.assertEqual((r["outcome"], r["when"]), ("error", "setup"))
        self.assertIn("RuntimeError: setup boom", r["longrepr"])
        self.assertEqual(r["message"], "RuntimeError: setup boom")
        r = res["test_c_outcomes.py::test_teardown_error"]
        self.assertEqual(r["outcome"], "passed")
        self.assertIn("RuntimeError: teardown boom", r["teardown_error"])
        r = res["test_c_outcomes.py::test_xfail"]
        self.assertEqual((r["outcome"], r["message"]), ("xfailed", "known"))
        for r in res.values():
            self.assertGreaterEqual(r["setup_s"], 0.0)

    def test_tb_style_reaches_the_longrepr(self):
        w = self.worker(args=["--tb=line"])
        w.run("test_a_hooks.py")
        w.finish()
        r = results(w.frames)["test_a_hooks.py::test_rep_call_failed"]
        self.assertEqual(r["longrepr"].strip().count("\n"), 0, r["longrepr"])
        self.assertIn("test_a_hooks.py:11: assert 1 == 2", r["longrepr"])

    def test_keyword_and_deselect_are_counted(self):
        w = self.worker(args=["-k", "not test_param", "--deselect",
                              "test_c_outcomes.py::test_skip"])
        msgs = w.run("test_c_outcomes.py")
        w.finish()
        collected = [m for m in msgs if m["t"] == "collected"][0]
        self.assertEqual(collected["deselected"], 3)
        self.assertNotIn("test_c_outcomes.py::test_skip", collected["items"])

    def test_first_ids_run_first(self):
        w = self.worker()
        w.send({"t": "run", "batch": 1, "module": "test_c_outcomes.py", "select": [],
                "first": ["test_c_outcomes.py::test_param"]})
        msgs = w.recv_until(lambda m: m["t"] in ("held", "batch_done"))
        w.finish()
        items = [m for m in msgs if m["t"] == "collected"][0]["items"]
        self.assertEqual(items[:2], ["test_c_outcomes.py::test_param[1]",
                                     "test_c_outcomes.py::test_param[2]"])

    def test_worker_id_fixture_and_environment(self):
        w = self.worker(worker_id="gw3", worker_count=4)
        w.run("test_a_hooks.py")
        w.finish()
        self.assertEqual(results(w.frames)["test_a_hooks.py::test_worker_env"]["outcome"], "passed")


class SummaryStats(EngineCase):
    """Several workers: the summary hooks read the stats the controller sends back."""

    def root(self):
        return os.path.join(os.path.dirname(PYTHON_DIR), "tests", "fixtures", "engine_summary_stats")

    def summary_after(self, answer):
        w = self.worker(worker_id="gw0", worker_count=2)
        w.run("test_m1.py")
        w.run("test_m2.py")
        w.send({"t": "shutdown"})
        sent = w.recv_until(lambda m: m["t"] == "summary_stats")[-1]
        self.assertEqual(sent["t"], "summary_stats")
        w.send({"t": "summary_stats", "parts": answer(sent["text"])})
        tail, rc, err = w.finish_read()
        self.assertEqual(rc, 0, err)
        return "".join(m["text"] for m in tail if m["t"] == "terminal_summary")

    def test_every_part_is_counted_in_order(self):
        text = self.summary_after(lambda own: [own, own])
        self.assertIn("passed=6 failed=2 skipped=4\n", text)
        self.assertIn("failed: ['test_m2.py::test_b', 'test_m2.py::test_b']\n", text)

    def test_the_other_parts_reach_the_conftests_logreport_once(self):
        # The worker's own part ran here; the other (the same text) is replayed.
        text = self.summary_after(lambda own: [own, own])
        self.assertIn("logreport saw failed: ['test_m2.py::test_b', 'test_m2.py::test_b']\n", text)
        text = self.summary_after(lambda own: [own])
        self.assertIn("logreport saw failed: ['test_m2.py::test_b']\n", text)

    def test_a_missing_part_keeps_the_workers_own(self):
        for answer in (lambda own: [own, ""], lambda own: []):
            text = self.summary_after(answer)
            self.assertIn("passed=3 failed=1 skipped=2\n", text)
            self.assertIn("logreport saw failed: ['test_m2.py::test_b']\n", text)


PLUGIN_ARGS = ["--benchmark-max-time=0.05", "--benchmark-min-rounds=1"]


class RealPlugins(EngineCase):
    """Debian's plugin packages, unpacked by scripts/setup, on PYTHONPATH only here."""
    def root(self):
        # The same project the real binary is compared on (compat_engine_plugins).
        return os.path.join(os.path.dirname(PYTHON_DIR), "tests", "fixtures", "engine_plugins")

    def setUp(self):
        EngineCase.setUp(self)
        if not os.path.isdir(PLUGINS):
            raise AssertionError("plugins not unpacked (scripts/setup fetches them): " + PLUGINS)

    def test_plugins_agree_with_pytest(self):
        ref, modules = self.pytest_run(args=PLUGIN_ARGS, env_extra={"PYTHONPATH": PLUGINS})
        self.assertEqual(len(ref), 9, ref)
        w, rc, err = self.engine_run(modules, args=PLUGIN_ARGS,
                                     env=self.env(PYTHONPATH=PLUGINS))
        self.assertEqual(rc, 0, err)
        self.assertEqual(outcomes(w.frames), ref)
        res = results(w.frames)
        timed_out = res["tests/test_timeout.py::test_sleeps_past_its_timeout"]
        self.assertEqual(timed_out["outcome"], "failed")
        self.assertIn("Timeout", timed_out["longrepr"])
        self.assertEqual(res["tests/test_benchmark.py::test_benchmark_runs"]["outcome"], "passed")
        header = [m for m in w.frames if m["t"] == "configured"][0]["header"]
        self.assertTrue(any(line.startswith("plugins: ") and "mock-" in line for line in header),
                        header)


class Fatal(EngineCase):
    """Session-level errors: one ``fatal`` with pytest's message and exit code."""

    def project_with(self, files):
        root = os.path.join(self.tmp, "proj")
        os.makedirs(root, exist_ok=True)
        for name, text in files.items():
            with open(os.path.join(root, name), "w") as f:
                f.write(text)
        return root

    def first_frames(self, root, **kw):
        w = self.worker(root, **kw)
        msgs = w.run("test_x.py")
        rc = w.proc.wait(timeout=60)
        return msgs, rc

    def assert_fatal(self, msgs, rc, code, text):
        fatal = [m for m in msgs if m["t"] == "fatal"]
        self.assertEqual(len(fatal), 1, msgs)
        self.assertEqual(fatal[0]["exit_code"], code)
        self.assertIn(text, fatal[0]["message"])
        self.assertEqual(rc, code)

    def test_missing_plugin_is_pytests_traceback(self):
        root = self.project_with({"test_x.py": "def test_a():\n    pass\n"})
        msgs, rc = self.first_frames(root, args=["-p", "no_such_plugin_xyz"])
        # pytest 7.2.1's own answer: the ImportError escapes pytest.main (traceback, exit 1).
        self.assert_fatal(msgs, rc, 1, 'Error importing plugin "no_such_plugin_xyz"')
        self.assertIn("Traceback (most recent call last):",
                      [m for m in msgs if m["t"] == "fatal"][0]["message"])

    def test_unknown_option_is_a_usage_error(self):
        root = self.project_with({"test_x.py": "def test_a():\n    pass\n"})
        msgs, rc = self.first_frames(root, args=["--no-such-option"])
        self.assert_fatal(msgs, rc, 4, "unrecognized arguments: --no-such-option")

    def test_conftest_import_error(self):
        root = self.project_with({"conftest.py": "import no_such_module_xyz\n",
                                  "test_x.py": "def test_a():\n    pass\n"})
        msgs, rc = self.first_frames(root)
        self.assert_fatal(msgs, rc, 4, "ImportError while loading conftest")
        self.assertIn("no_such_module_xyz", msgs[-1]["message"])

    def test_pytest_exit_in_configure(self):
        root = self.project_with({
            "conftest.py": "import pytest\n\ndef pytest_configure(config):\n"
                           "    pytest.exit('not here', returncode=7)\n",
            "test_x.py": "def test_a():\n    pass\n"})
        msgs, rc = self.first_frames(root)
        self.assert_fatal(msgs, rc, 7, "Exit: not here")

    def test_pytest_exit_in_a_test_keeps_earlier_results(self):
        root = self.project_with({
            "test_x.py": "import pytest\n\ndef test_a():\n    pass\n\n"
                         "def test_b():\n    pytest.exit('stop now', returncode=3)\n\n"
                         "def test_c():\n    pass\n"})
        msgs, rc = self.first_frames(root)
        self.assert_fatal(msgs, rc, 3, "Exit: stop now")
        self.assertEqual(list(results(msgs)), ["test_x.py::test_a"])

    def test_unsupported_pytest_version_is_named(self):
        fake = os.path.join(self.tmp, "fake")
        os.makedirs(os.path.join(fake, "pytest"))
        with open(os.path.join(fake, "pytest", "__init__.py"), "w") as f:
            f.write("__version__ = '6.2.5'\n")
        root = self.project_with({"test_x.py": "def test_a():\n    pass\n"})
        msgs, rc = self.first_frames(root, env=self.env(PYTHONPATH=fake))
        self.assert_fatal(msgs, rc, 4, "found pytest 6.2.5")


class Options(EngineCase):
    def project_with(self, files):
        return Fatal.project_with(self, files)

    def test_addopts_are_applied_once(self):
        root = self.project_with({
            "pytest.ini": "[pytest]\naddopts = -v\n",
            "test_x.py": "import os\n\ndef test_verbosity(request):\n"
                         "    assert request.config.getoption('verbose') == 2\n"})
        # The controller sends ini addopts and PYTEST_ADDOPTS already expanded.
        w = self.worker(root, args=["-v", "-v"], env=self.env(PYTEST_ADDOPTS="-v"))
        w.run("test_x.py")
        w.finish()
        self.assertEqual(outcomes(w.frames), {"test_x.py::test_verbosity": "passed"})

    def test_collect_ignore_in_a_conftest_is_honoured(self):
        root = self.project_with({
            "conftest.py": "collect_ignore = ['test_x.py']\n",
            "test_x.py": "def test_a():\n    pass\n"})
        w = self.worker(root)
        msgs = w.run("test_x.py")
        w.finish()
        collected = [m for m in msgs if m["t"] == "collected"][0]
        self.assertEqual(collected["items"], [])

    def test_collection_error_and_module_skip(self):
        root = self.project_with({
            "test_x.py": "import no_such_module_xyz\n",
            "test_y.py": "import pytest\npytest.skip('later', allow_module_level=True)\n",
            "test_z.py": "raise RuntimeError('boom at import')\n"})
        w = self.worker(root)
        x = w.run("test_x.py")
        y = w.run("test_y.py")
        z = w.run("test_z.py")
        w.finish()
        err = [m for m in x if m["t"] == "collect_error"][0]
        self.assertIn("No module named 'no_such_module_xyz'", err["longrepr"])
        # pytest's short summary: "ERROR test_x.py" (an import error's report is plain
        # text) but "ERROR test_z.py - RuntimeError: boom at import".
        self.assertNotIn("message", err)
        err = [m for m in z if m["t"] == "collect_error"][0]
        self.assertEqual(err["message"], "RuntimeError: boom at import")
        r = results(y)["test_y.py"]
        self.assertEqual((r["outcome"], r["when"]), ("skipped", "collect"))
        self.assertEqual(r["longrepr"], "test_y.py:2: later")

    def test_sessionfinish_gets_the_status_an_xdist_worker_gives(self):
        root = self.project_with({
            "conftest.py": "import os\n\ndef pytest_sessionfinish(session, exitstatus):\n"
                           "    with open(os.environ['STATUS_FILE'], 'a') as f:\n"
                           "        f.write('%r\\n' % (exitstatus,))\n",
            "test_x.py": "def test_a():\n    pass\n\ndef test_b():\n    pass\n",
            "test_y.py": "def test_f():\n    assert 0\n"})
        status = os.path.join(self.tmp, "status")
        env = self.env(STATUS_FILE=status)
        # Clean end after a failure; a stop (-x elsewhere) leaves a worker's own status;
        # an interrupt is pytest's INTERRUPTED, as Ctrl-C reaches xdist's workers.
        for module, fields in (("test_y.py", {}), ("test_x.py", {"stop": True}),
                               ("test_x.py", {"stop": True, "interrupted": True})):
            w = self.worker(root, env=env)
            w.run(module)
            tail, rc, err = w.finish(**fields)
            self.assertEqual(rc, 0, err)
        with open(status) as f:
            self.assertEqual(f.read().splitlines(), [
                "<ExitCode.TESTS_FAILED: 1>", "<ExitCode.OK: 0>", "<ExitCode.INTERRUPTED: 2>"])

    def test_xdist_options_do_not_distribute_inside_a_worker(self):
        root = self.project_with({"test_x.py": "def test_a():\n    pass\n"})
        w = self.worker(root, args=["--dist", "loadfile", "-n", "2"])
        w.run("test_x.py")
        tail, rc, err = w.finish()
        self.assertEqual(rc, 0, err)
        self.assertEqual(outcomes(w.frames), {"test_x.py::test_a": "passed"})


class Reports(EngineCase):
    """What the controller prints from a result: pytest's terminal text of the failure,
    the captured sections per phase, live log records."""

    def project_with(self, files):
        return Fatal.project_with(self, files)

    FILES = {"test_x.py": (
        "import logging\nimport pytest\n\n@pytest.fixture\ndef fx():\n"
        "    print('setup out')\n    yield\n    logging.getLogger('t').warning('td log')\n\n"
        "def test_fail(fx):\n    logging.getLogger('t').info('in call')\n    print('call out')\n"
        "    assert 0\n")}

    def test_failure_text_and_sections_are_pytests(self):
        w = self.worker(self.project_with(self.FILES))
        w.run("test_x.py")
        w.finish()
        r = results(w.frames)["test_x.py::test_fail"]
        # A long entry starts with an empty line and keeps the source line's indent
        # (str() of pytest's report strips both; its terminal does not).
        self.assertTrue(r["longrepr"].startswith("\n"), r["longrepr"])
        self.assertIn("\n    def test_fail(fx):\n", r["longrepr"])
        # The call report's sections (setup and call), then the teardown's own, as
        # pytest's FAILURES section shows them.
        self.assertEqual([t for t, _ in r["sections"]], [
            "Captured stdout setup", "Captured stdout call", "Captured log teardown"])
        self.assertIn("td log", r["sections"][2][1])
        self.assertNotIn("live_log", r)

    def test_live_log_records_per_phase(self):
        w = self.worker(self.project_with(self.FILES), args=["--log-cli-level=INFO"])
        w.run("test_x.py")
        w.finish()
        r = results(w.frames)["test_x.py::test_fail"]
        self.assertEqual([p for p, _ in r["live_log"]], ["call", "teardown"])
        self.assertRegex(r["live_log"][0][1], r"^INFO     t:test_x.py:11 in call\n$")
        self.assertIn("td log", r["live_log"][1][1])


class Info(EngineCase):
    """``info`` frames: what pytest itself would print for --setup-show / --markers."""

    def project_with(self, files):
        return Fatal.project_with(self, files)

    SCOPES = ("import pytest\n\n@pytest.fixture(scope='module')\ndef mfx():\n    yield 1\n\n"
              "@pytest.fixture\ndef fx(mfx):\n    return 2\n\ndef test_a(fx):\n    pass\n\n"
              "@pytest.mark.parametrize('x', [1, 2])\ndef test_b(x, mfx):\n    pass\n")

    def info_text(self, frames):
        return "".join(m["text"] for m in frames if m["t"] == "info")

    def test_setup_show_lines_are_pytests(self):
        root = self.project_with({"test_x.py": self.SCOPES})
        for opt in ("--setup-show", "--setup-plan"):
            w = self.worker(root, args=[opt])
            w.run("test_x.py")
            tail, rc, err = w.finish()
            self.assertEqual(rc, 0, err)
            self.assertEqual(self.info_text(w.frames), (
                "    SETUP    M mfx\n"
                "        SETUP    F fx (fixtures used: mfx)\n"
                "        test_x.py::test_a (fixtures used: fx, mfx)\n"
                "        TEARDOWN F fx\n"
                "        SETUP    F x[1]\n"
                "        test_x.py::test_b[1] (fixtures used: mfx, x)\n"
                "        TEARDOWN F x[1]\n"
                "        SETUP    F x[2]\n"
                "        test_x.py::test_b[2] (fixtures used: mfx, x)\n"
                "        TEARDOWN F x[2]\n"
                "    TEARDOWN M mfx\n"), opt)
            self.assertEqual(len(set(outcomes(w.frames).values())), 1, opt)

    def test_fixtures_per_test_is_pytests_listing_per_batch(self):
        import subprocess
        root = self.project_with({
            "conftest.py": "import pytest\n\n@pytest.fixture\ndef shared(tmp_path):\n"
                           "    \"\"\"A shared fixture.\"\"\"\n    return 1\n",
            "test_x.py": self.SCOPES + "\ndef test_c(shared, worker_id):\n    pass\n",
            "test_y.py": "def test_y(monkeypatch):\n    pass\n"})
        w = self.worker(root, args=["--fixtures-per-test", "-p", "no:cacheprovider"])
        for mod in ("test_x.py", "test_y.py"):
            w.run(mod, collect_only=True)
        tail, rc, err = w.finish()
        self.assertEqual(rc, 0, err)
        self.assertEqual(outcomes(w.frames), {})
        # pytest -q prints the sections alone, then its closing line; worker_id is
        # xdist's there, not the engine's stand-in.
        out = subprocess.run([PY, "-m", "pytest", "-q", "--fixtures-per-test", "-p", "no:cacheprovider"],
                             cwd=root, env=self.env(), stdout=subprocess.PIPE, text=True).stdout
        expected = out.rsplit("\nno tests ran", 1)[0]
        self.assertIn("worker_id -- ", expected)
        self.assertEqual(self.info_text(w.frames), expected)

    def test_no_info_without_the_option(self):
        root = self.project_with({"test_x.py": self.SCOPES})
        w = self.worker(root)
        w.run("test_x.py")
        w.finish()
        self.assertEqual(self.info_text(w.frames), "")

    def test_markers_listing_is_pytests(self):
        root = self.project_with({"pytest.ini": "[pytest]\nmarkers =\n    slow: marks slow tests\n",
                                  "test_x.py": "def test_a():\n    pass\n"})
        w = self.worker(root, args=["--markers"])
        w.run("test_x.py")
        w.finish()
        text = self.info_text(w.frames)
        self.assertTrue(text.startswith("@pytest.mark.slow: marks slow tests\n\n"), text)
        self.assertIn("@pytest.mark.skipif(condition, ..., *, reason=...):", text)


class PackageInit(EngineCase):
    """A package's ``__init__.py`` batch (``--doctest-modules``) collects that file, as
    the whole-tree walk meets it, never the package's first other module."""

    def project_with(self, files):
        root = Fatal.project_with(self, {})
        for name, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(root, name)), exist_ok=True)
            with open(os.path.join(root, name), "w") as f:
                f.write(text)
        return root

    def test_init_doctests_and_an_importorskip_sibling(self):
        doc = 'def f():\n    """\n    >>> 1 + 1\n    2\n    """\n'
        root = self.project_with({
            "pkg/__init__.py": doc,
            "pkg/sub/__init__.py": "",
            "pkg/sub/test_skip.py": "import pytest\npytest.importorskip('no_such_mod_q')\n",
            "pkg/test_m.py": "def test_m():\n    pass\n"})
        w = self.worker(root, args=["--doctest-modules"])
        for mod in ("pkg/__init__.py", "pkg/sub/__init__.py", "pkg/test_m.py"):
            w.run(mod)
        w.finish()
        self.assertEqual(outcomes(w.frames), {"pkg/__init__.py::pkg.f": "passed",
                                              "pkg/test_m.py::test_m": "passed"})
