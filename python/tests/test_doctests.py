"""Doctests in the native engine: agreement with pytest 7.2.1 test by test, and the
failure text as pytest prints it."""
import fnmatch
import os
import unittest

from . import agreement, driver

DOCTESTS = os.path.join(driver.PROJECTS, "doctests")
FLAGS = os.path.join(driver.PROJECTS, "doctests_flags")
TOOLZ = "/usr/lib/python3/dist-packages/toolz"
NETWORKX = "/usr/lib/python3/dist-packages/networkx"


def doctest_batches(rootdir, globs=("test*.txt",), modules=True):
    """The batches the controller sends with --doctest-modules: every .py file
    (setup.py and __main__.py included: the worker applies pytest's rule itself)
    and the text files matching --doctest-glob."""
    out = []
    for dirpath, dirnames, filenames in os.walk(rootdir):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__pycache__")))
        for f in sorted(filenames):
            is_test = fnmatch.fnmatch(f, "test_*.py") or fnmatch.fnmatch(f, "*_test.py")
            if (f.endswith(".py") and (modules or is_test)) or any(
                    fnmatch.fnmatch(f, g) for g in globs):
                out.append(os.path.relpath(os.path.join(dirpath, f), rootdir))
    return out


def _by_module(ids):
    out = {}
    for i in ids:
        if "::" in i:
            out.setdefault(i.split("::")[0], []).append(i)
    return out


class DoctestAgreement(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        driver.require("import pytest", agreement.PYTEST_PYTHON + " with pytest (python3-pytest)")

    def check(self, rootdir, options, pytest_args=(), min_tests=1, ini=None,
              import_mode="prepend"):
        order = []
        expected = agreement.pytest_outcomes(rootdir, list(pytest_args) + [rootdir], order=order)
        kw = {"options": options, "import_mode": import_mode}
        if ini is not None:
            kw["ini"] = ini
        batches = doctest_batches(rootdir, modules=bool(options.get("doctestmodules")))
        actual, msgs = agreement.worker_outcomes(rootdir, batches, **kw)
        same, diffs = agreement.compare(expected, actual)
        self.assertEqual(diffs, [])
        self.assertGreaterEqual(same, min_tests)
        self.assertEqual(_by_module(agreement.run_order(msgs)), _by_module(order))
        return msgs

    def test_doctest_modules_and_text_files(self):
        msgs = self.check(DOCTESTS, {"doctestmodules": True}, ["--doctest-modules"], 30)
        collected = [i for m in msgs if m["t"] == "collected" for i in m["items"]]
        self.assertIn("pkg/mod.py::pkg.mod.Shape.area", collected)
        self.assertNotIn("pkg/mod.py::pkg.mod.no_examples", collected)
        self.assertFalse([i for i in collected if i.startswith(("setup.py", "pkg/__main__.py"))])

    def test_continue_on_failure_and_ignore_import_errors(self):
        self.check(DOCTESTS, {"doctestmodules": True, "doctest_continue_on_failure": True,
                              "doctest_ignore_import_errors": True},
                   ["--doctest-modules", "--doctest-continue-on-failure",
                    "--doctest-ignore-import-errors"], 30)

    def test_importlib_mode_imports_a_test_module_twice(self):
        # pytest 7.2's importlib mode executes a test module once for its doctests and
        # once for its tests: setup_module never touches the doctests' module.
        self.check(DOCTESTS, {"doctestmodules": True},
                   ["--doctest-modules", "--import-mode=importlib"], 30,
                   import_mode="importlib")

    def test_text_files_only(self):
        # Without --doctest-modules the .py batches are plain test modules.
        self.check(DOCTESTS, {}, [], 5)

    def test_optionflags_and_encoding_from_ini(self):
        self.check(FLAGS, {"doctestmodules": True}, ["--doctest-modules"], 8)

    def check_tree(self, rootdir, dirs, min_tests, min_doctests):
        order = []
        expected = agreement.pytest_outcomes(
            rootdir, ["--doctest-modules"] + [os.path.join(rootdir, d) for d in dirs],
            order=order, timeout=1800)
        batches = [os.path.relpath(os.path.join(rootdir, d, b), rootdir)
                   for d in dirs for b in doctest_batches(os.path.join(rootdir, d))]
        actual, msgs = agreement.worker_outcomes(rootdir, batches, ini={}, timeout=600,
                                                 options={"doctestmodules": True})
        same, diffs = agreement.compare(expected, actual)
        self.assertEqual(diffs, [])
        self.assertGreaterEqual(same, min_tests)
        doctest_ids = [i for i in expected if "::" in i and "." in i.split("::", 1)[1]]
        self.assertGreaterEqual(len(doctest_ids), min_doctests)
        self.assertEqual(_by_module(agreement.run_order(msgs)), _by_module(order))

    def test_debian_toolz_with_doctest_modules(self):
        driver.require("import toolz", "Debian's python3-toolz")
        self.check_tree(TOOLZ, ["."], 250, 60)

    def test_debian_networkx_subset_with_doctest_modules(self):
        driver.require("import networkx", "Debian's python3-networkx")
        # The root conftest puts nx into doctest_namespace (autouse) and marks slow tests.
        # The count moves with the optional packages installed (numpy, scipy: modules
        # skipped by importorskip give one id instead of their tests); 279 on a machine
        # with neither, so the floor only guards against an empty or cut-short run.
        self.check_tree(NETWORKX, ["algorithms/shortest_paths", "algorithms/traversal",
                                   "readwrite/json_graph"], 250, 40)


def _results(rootdir, modules, **kw):
    _, msgs = agreement.worker_outcomes(rootdir, modules, **kw)
    return driver.results(msgs), msgs


class DoctestFailureText(unittest.TestCase):
    """The worker's longrepr is pytest's ReprFailDoctest text, line for line."""

    def test_docstring_failure(self):
        res, _ = _results(DOCTESTS, ["pkg/mod.py"], options={"doctestmodules": True})
        r = res["pkg/mod.py::pkg.mod.wrong"]
        self.assertEqual(r["outcome"], "failed")
        self.assertEqual(r["when"], "call")
        self.assertEqual(r["message"], "")
        self.assertEqual(r["head_line"], "[doctest] pkg.mod.wrong")
        self.assertEqual(r["line"], 26)  # the docstring's first line
        self.assertEqual(r["longrepr"], "\n".join([
            "026 ",
            "027     >>> wrong()",
            "Expected:",
            "    2",
            "Got:",
            "    1",
            "",
            "%s/pkg/mod.py:27: DocTestFailure" % DOCTESTS]))

    def test_unexpected_exception(self):
        res, _ = _results(DOCTESTS, ["pkg/errors.py"], options={"doctestmodules": True})
        text = res["pkg/errors.py::pkg.errors.raises"]["longrepr"]
        lines = text.split("\n")
        self.assertEqual(lines[:7], [
            "002 ",
            "003     >>> raises()",
            "004     Traceback (most recent call last):",
            "005     ...",
            "006     ValueError: expected",
            "007     >>> int(\"x\")",
            "UNEXPECTED EXCEPTION: ValueError(\"invalid literal for int() with base 10: 'x'\")"])
        self.assertEqual(lines[7], "Traceback (most recent call last):")
        self.assertIn('  File "<doctest pkg.errors.raises[1]>", line 1, in <module>', lines)
        self.assertEqual(lines[-2:], [
            "ValueError: invalid literal for int() with base 10: 'x'",
            "%s/pkg/errors.py:7: UnexpectedException" % DOCTESTS])

    def test_continue_on_failure_lists_every_failure_with_udiff(self):
        res, _ = _results(DOCTESTS, ["pkg/errors.py"], options={
            "doctestmodules": True, "doctest_continue_on_failure": True})
        text = res["pkg/errors.py::pkg.errors.many_failures"]["longrepr"]
        path = "%s/pkg/errors.py" % DOCTESTS
        self.assertEqual(text, "\n".join([
            "014 ",
            "015     >>> 1",
            "Expected:",
            "    2",
            "Got:",
            "    1",
            "",
            "%s:15: DocTestFailure" % path,
            "014 ",
            "015     >>> 1",
            "016     2",
            "017     >>> 2",
            "018     2",
            "019     >>> print(\"a\\nb\\nc\\nd\")",
            "Differences (unified diff with -expected +actual):",
            "    @@ -1,4 +1,4 @@",
            "     a",
            "     b",
            "    -x",
            "    +c",
            "     d",
            "",
            "%s:19: DocTestFailure" % path]))

    def test_report_choice_ndiff(self):
        res, _ = _results(DOCTESTS, ["pkg/errors.py"], options={
            "doctestmodules": True, "doctest_continue_on_failure": True,
            "doctestreport": "ndiff"})
        text = res["pkg/errors.py::pkg.errors.many_failures"]["longrepr"]
        self.assertIn("Differences (ndiff with -expected +actual):", text)

    def test_text_file_failure(self):
        res, _ = _results(DOCTESTS, ["test_fail.txt"])
        r = res["test_fail.txt::test_fail.txt"]
        self.assertEqual(r["longrepr"], "\n".join([
            "001 First line.",
            "002     >>> 1 + 1",
            "Expected:",
            "    3",
            "Got:",
            "    2",
            "",
            "%s/test_fail.txt:2: DocTestFailure" % DOCTESTS]))
        self.assertEqual(r["head_line"], "[doctest] test_fail.txt")

    def test_skips(self):
        res, _ = _results(DOCTESTS, ["pkg/skips.py"], options={"doctestmodules": True})
        r = res["pkg/skips.py::pkg.skips.all_skipped"]
        self.assertEqual(r["outcome"], "skipped")
        self.assertTrue(r["longrepr"].endswith(
            "/_pytest/doctest.py:455: all tests skipped by +SKIP option"), r["longrepr"])
        r = res["pkg/skips.py::pkg.skips.skip_inside"]
        self.assertEqual(r["outcome"], "skipped")
        self.assertEqual(r["longrepr"], "<doctest pkg.skips.skip_inside[1]>:1: "
                                        "skipped from an example")

    def test_undecodable_text_file_is_its_collection_error(self):
        _, msgs = _results(DOCTESTS, ["test_undecodable.txt", "test_doc.txt"])
        errs = [m for m in msgs if m["t"] == "collect_error"]
        self.assertEqual([m["module"] for m in errs], ["test_undecodable.txt"])
        self.assertTrue(errs[0]["longrepr"].endswith(
            "E   UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 11: "
            "invalid start byte"), errs[0]["longrepr"])
        self.assertEqual(driver.outcomes(msgs), {"test_doc.txt::test_doc.txt": "passed"})

    def test_import_error_text(self):
        _, msgs = _results(DOCTESTS, ["badimport.py"], options={"doctestmodules": True})
        errs = [m for m in msgs if m["t"] == "collect_error"]
        self.assertEqual(errs[0]["longrepr"], "\n".join([
            "badimport.py:5: in <module>",
            "    import module_that_does_not_exist_anywhere  # noqa: F401",
            "E   ModuleNotFoundError: No module named 'module_that_does_not_exist_anywhere'"]))

    def test_ignored_import_error_is_a_skipped_module(self):
        res, msgs = _results(DOCTESTS, ["badimport.py"], options={
            "doctestmodules": True, "doctest_ignore_import_errors": True})
        r = res["badimport.py"]
        self.assertEqual((r["outcome"], r["when"]), ("skipped", "collect"))
        self.assertTrue(r["longrepr"].endswith(
            "/_pytest/doctest.py:555: unable to import module PosixPath('%s/badimport.py')"
            % DOCTESTS), r["longrepr"])

    def test_doctest_only_module_and_ignored_files(self):
        res, msgs = _results(DOCTESTS, ["setup.py", "pkg/__main__.py", "notes.txt"],
                             options={"doctestmodules": True})
        collected = [m["items"] for m in msgs if m["t"] == "collected"]
        # setup.py and __main__.py give nothing; a text file sent as a batch runs.
        self.assertEqual(collected, [[], [], ["notes.txt::notes.txt"]])
        self.assertEqual(res["notes.txt::notes.txt"]["outcome"], "failed")


if __name__ == "__main__":
    unittest.main()
