"""Test-by-test outcome agreement with real pytest (same node ids, same outcomes)."""
import os
import unittest

from . import agreement, driver

TOOLZ_ROOT = "/usr/lib/python3/dist-packages"
TOOLZ_TESTS = os.path.join(TOOLZ_ROOT, "toolz", "tests")


# hypothesis and pytest-asyncio, unpacked from Debian's .debs by scripts/setup (never
# installed system-wide), on PYTHONPATH only for the test that uses them.
HYPOTHESIS_PATH = os.path.join(os.path.dirname(driver.PYTHON_DIR), "third_party", "hypothesis",
                               "usr", "lib", "python3", "dist-packages")


class AgreementWithPytest(unittest.TestCase):
    maxDiff = None

    def check(self, rootdir, modules, min_tests, same_order=False, import_mode="prepend",
              args=None, options=None, pytest_paths=None, env_extra=None):
        """``args`` go to pytest and (protocol 2) to the worker with ``options``;
        ``pytest_paths`` replaces the module list on pytest's command line."""
        order = []
        paths = pytest_paths if pytest_paths is not None else [
            os.path.join(rootdir, m) for m in modules]
        expected = agreement.pytest_outcomes(
            rootdir, ["--import-mode=" + import_mode] + list(args or []) + paths, order=order,
            env_extra=env_extra)
        kw = {}
        if args is not None or options is not None:
            kw = {"args": list(args or []), "options": dict(options or {})}
        actual, msgs = agreement.worker_outcomes(rootdir, modules, import_mode=import_mode,
                                                 env_extra=env_extra, **kw)
        same, diffs = agreement.compare(expected, actual)
        self.assertEqual(diffs, [])
        self.assertGreaterEqual(same, min_tests)
        if same_order:
            # Module order is the controller's business; within a module it is ours.
            def by_module(ids):
                out = {}
                for i in (i for i in ids if "::" in i):
                    out.setdefault(i.split("::")[0], []).append(i)
                return out
            self.assertEqual(by_module(agreement.run_order(msgs)), by_module(order))

    def test_feature_project(self):
        root = os.path.join(driver.PROJECTS, "features")
        self.check(root, driver.find_modules(root), 200, same_order=True)

    def test_feature_project_importlib_mode(self):
        root = os.path.join(driver.PROJECTS, "features")
        self.check(root, driver.find_modules(root), 200, import_mode="importlib")

    def test_fixture_overrides_and_params(self):
        root = os.path.join(driver.PROJECTS, "features3")
        self.check(root, driver.find_modules(root), 40, same_order=True)

    def test_ini_options(self):
        # python_functions/classes, xfail_strict, filterwarnings, usefixtures,
        # empty_parameter_set_mark and --strict-markers from addopts.
        root = os.path.join(driver.PROJECTS, "ini")
        self.check(root, driver.find_modules(root), 10)

    def test_feature_project_2(self):
        # Module-scoped params regroup items; the run order must match pytest's too.
        root = os.path.join(driver.PROJECTS, "features2")
        self.check(root, driver.find_modules(root), 50, same_order=True)

    def test_feature_project_4(self):
        # Conftest options, addini types, configure/markers under --strict-markers,
        # collect_ignore(_glob) literal and computed, pytest_ignore_collect, deselection
        # by a conftest and --deselect, stacked generator parametrize, xunit on TestCase.
        root = os.path.join(driver.PROJECTS, "features4")
        deselect = "test_deselect.py::test_cli_deselected"
        self.check(root, driver.find_modules(root), 50, same_order=True,
                   args=["--myopt", "two", "--count", "3", "--strict-markers",
                         "--deselect", deselect, "--log-level", "INFO",
                         "--log-format", "%(levelname)s %(name)s %(message)s"],
                   options={"strict_markers": True, "deselect": [deselect],
                            "log_level": "INFO",
                            "log_format": "%(levelname)s %(name)s %(message)s"},
                   pytest_paths=[root])

    def test_hypothesis_and_pytest_asyncio(self):
        env = {"PYTHONPATH": os.pathsep.join(
            p for p in (HYPOTHESIS_PATH, os.environ.get("PYTHONPATH")) if p)}
        driver.require(f"import sys; sys.path.insert(0, {HYPOTHESIS_PATH!r}); "
                 "import hypothesis, pytest_asyncio", "third_party/hypothesis")
        root = os.path.join(driver.PROJECTS, "plugins")
        self.check(root, driver.find_modules(root), 10, env_extra=env)

    def test_debian_toolz_suite(self):
        driver.require("import toolz.tests", "Debian's python3-toolz")
        self.check(TOOLZ_ROOT, driver.find_modules(TOOLZ_ROOT, TOOLZ_TESTS), 150)


if __name__ == "__main__":
    unittest.main()
