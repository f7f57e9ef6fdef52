"""fastest_worker.versions: pytest's minversion and required_plugins checks."""
import unittest

from fastest_worker import versions as v

from . import driver, test_startup
from .test_worker import PY, _Base


def setUpModule():
    driver.require("import pytest", PY + " with pytest (python3-pytest)", python=PY)


class VersionOrder(unittest.TestCase):
    def test_pep440_order(self):
        order = ["1.0.dev1", "1.0a1", "1.0a2.dev1", "1.0a2", "1.0b1", "1.0rc1", "1.0", "1.0.post1",
                 "1.0.1", "1.1", "2!0.1"]
        keys = [v.version_key(x) for x in order]
        self.assertEqual(keys, sorted(keys))
        self.assertEqual(len(set(keys)), len(keys))
        self.assertEqual(v.version_key("7.2"), v.version_key("7.2.0"))
        self.assertIsNone(v.version_key("not a version"))


class MinVersion(unittest.TestCase):
    def test_pytests_text_and_cases(self):
        self.assertIsNone(v.check_minversion("6.0", "/p/pytest.ini", "7.2.1"))
        self.assertIsNone(v.check_minversion("7.2.1", "/p/pytest.ini", "7.2.1"))
        self.assertEqual(v.check_minversion("7.2.2rc1", "/p/pytest.ini", "7.2.1"),
                         "/p/pytest.ini: 'minversion' requires pytest-7.2.2rc1, actual pytest-7.2.1'")
        self.assertEqual(v.check_minversion(["6.0"], "/p/pyproject.toml", "7.2.1"),
                         "/p/pyproject.toml: 'minversion' must be a single value")
        self.assertIsNone(v.check_minversion("99", "/p/pytest.ini", None))  # no pytest: nothing to compare


class RequiredPlugins(unittest.TestCase):
    installed = {"pytest-xdist": "3.1.0", "pytest-mock": "3.10.0"}

    def missing(self, *required):
        return v.check_required_plugins(list(required), self.installed)

    def test_satisfied(self):
        for spec in ("pytest-xdist", "pytest-xdist>=2.0", "pytest-xdist==3.*", "pytest-xdist~=3.1",
                     "pytest-xdist>=3,<4", "pytest-mock[extra]>=3.10", "pytest-xdist; python_version>'3'"):
            self.assertIsNone(self.missing(spec), spec)

    def test_missing_in_pytests_sorted_text(self):
        self.assertEqual(self.missing("pytest-xdist!=3.1.0", "pytest-cov", "pytest-xdist<1"),
                         "Missing required plugins: pytest-cov, pytest-xdist!=3.1.0, pytest-xdist<1")
        self.assertEqual(self.missing("pytest_xdist"), "Missing required plugins: pytest_xdist")  # names are exact
        self.assertEqual(self.missing("pytest-xdist>=>3"), "Missing required plugins: pytest-xdist>=>3")


class WorkerChecksLikePytest(_Base):
    """The worker's start-up runs both checks: pytest's message and exit status."""
    check = test_startup.FatalLikePytest.check

    def test_minversion(self):
        self.check("minversion", expect_in=["'minversion' requires pytest-99.0, actual pytest-"])

    def test_required_plugins(self):
        self.check("required_plugins", expect_in=["Missing required plugins: pytest-nonexistent-xyz"])


if __name__ == "__main__":
    unittest.main()
