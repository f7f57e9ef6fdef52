"""The pytest engine over real pipes, compared with real pytest test by test."""
import os

from .pyengine_util import EngineCase, outcomes, results


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

    def test_worker_id_fixture_and_environment(self):
        w = self.worker(worker_id="gw3", worker_count=4)
        w.run("test_a_hooks.py")
        w.finish()
        self.assertEqual(results(w.frames)["test_a_hooks.py::test_worker_env"]["outcome"], "passed")
