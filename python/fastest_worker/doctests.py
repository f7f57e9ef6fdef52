"""Doctests as pytest 7.2 collects and runs them (_pytest/doctest.py), natively.

* ``--doctest-modules``: a batch's ``.py`` module gives one item per non-empty docstring
  doctest (module, classes, functions, methods, properties, ``__test__``), found by
  pytest's DocTestFinder subclass, named ``<module path>::<dotted doctest name>``, and
  listed before the module's regular tests (pytest's DoctestModule collector comes
  first). A module that does not match ``python_files`` (and is not a command-line
  path) gives only its doctests.
* A batch whose module is not a ``.py`` file is a doctest text file (``--doctest-glob``):
  one item ``<path>::<file name>``.

Doctest items have their own module node, so module-scoped fixtures end between a
module's doctests and its regular tests, as under pytest. Their fixtures are the
autouse/usefixtures closure with no function arguments; ``getfixture`` and the
``doctest_namespace`` fixture's contents are put in the globs at setup.
"""
import fnmatch
import inspect
import os
import pathlib
import sys
import traceback
import warnings

from . import compat
from . import fixtures as fx
from .nodes import Item, Module
from .parametrize import CollectError

_REPORT_CHOICES = ("udiff", "cdiff", "ndiff", "only_first_failure", "none")

# pytest's messages whose location is a line of _pytest/doctest.py (found by text).
_ALL_SKIPPED = "all tests skipped by +SKIP option"
_ALL_SKIPPED_SRC = 'skip("all tests skipped by +SKIP option")'
_IMPORT_SKIP_SRC = 'skip("unable to import module %r" % self.path)'


# ------------------------------------------------------------------ options


def _option(config, name, default):
    try:
        value = config.getoption(name, None)
    except Exception:
        value = None
    return default if value is None else value


def _ini_args(config, name, default):
    value = config.ini.get(name)
    if value is None:
        return list(default)
    if isinstance(value, str):
        import shlex
        return shlex.split(value)
    return [str(v) for v in value]


def plugin_disabled(config):
    """``-p no:doctest``: no doctest items at all."""
    return "doctest" in (getattr(config, "disabled_plugins", None) or ())


def modules_enabled(config):
    return bool(_option(config, "doctestmodules", False)) and not plugin_disabled(config)


def is_textfile(relpath):
    """A batch that is not a Python module is a doctest text file (--doctest-glob)."""
    return not relpath.endswith(".py")


def _is_setup_py(path):
    if os.path.basename(path) != "setup.py":
        return False
    try:
        with open(path, "rb") as f:
            contents = f.read()
    except OSError:
        return False
    return b"setuptools" in contents or b"distutils" in contents


def _fnmatch_ex(pattern, path):
    """pytest's fnmatch_ex: a pattern without a separator matches the file name."""
    if os.sep not in pattern:
        return fnmatch.fnmatch(os.path.basename(path), pattern)
    if os.path.isabs(path) and not os.path.isabs(pattern):
        pattern = "*" + os.sep + pattern
    return fnmatch.fnmatch(path, pattern)


def _collects_tests(collector, path):
    """Whether pytest's python plugin would collect ``path`` as a test Module too."""
    for pat in collector.python_files:
        if _fnmatch_ex(pat, path):
            return True
    return path in _initpaths(collector.config)


def _initpaths(config):
    cached = getattr(config, "_fastest_doctest_initpaths", None)
    if cached is not None:
        return cached
    base = getattr(config, "invocation_dir", None) or config.rootdir_str
    out = set()
    for a in getattr(config, "args", None) or []:
        if not isinstance(a, str) or a.startswith("-"):
            continue
        out.add(os.path.normpath(os.path.join(base, a.split("::", 1)[0])))
    config._fastest_doctest_initpaths = out
    return out


# ------------------------------------------------------------------ collection


class DoctestModuleNode(Module):
    """pytest's DoctestModule / DoctestTextfile: the module-scope node of doctest items."""


class DoctestItem(Item):
    """One doctest (pytest's DoctestItem)."""

    def __init__(self, name, parent, runner, dtest):
        line = dtest.lineno + 1 if dtest.lineno is not None else 0
        Item.__init__(self, name, parent.nodeid + "::" + name, parent, None, None, None, [],
                      "doctest", line)
        self.runner = runner
        self.dtest = dtest
        self.obj = None
        self.keywords[name] = True
        self.all_skipped = False
        self.failure = None

    @property
    def location(self):
        return (self.module_node.relpath, self.dtest.lineno, "[doctest] " + self.name)

    def reportinfo(self):
        return self.path, self.dtest.lineno, "[doctest] " + self.name

    def finish_result(self, res):
        """Adjust the harness's result to pytest's DoctestItem report."""
        res["head_line"] = "[doctest] " + self.name
        if self.failure is not None and res.get("outcome") == "failed" and res.get("when") == "call":
            res["longrepr"] = repr_failure(self, self.failure)
            # pytest's ReprFailDoctest has no crash line: no " - message" in the summary.
            res["message"] = ""
        elif self.all_skipped and res.get("outcome") == "skipped":
            res["longrepr"] = "%s: %s" % (_pytest_doctest_location(_ALL_SKIPPED_SRC), _ALL_SKIPPED)
        self.failure = None


def _make_node(collector, relpath, obj):
    nodeid = relpath.replace(os.sep, "/")
    node = DoctestModuleNode(os.path.basename(relpath), nodeid, collector._abs_path(relpath),
                             obj, None, [])
    node.relpath = nodeid
    node.config = collector.config
    node.session = collector.run.session
    node.keywords[node.name] = True
    node.pkg_names = collector._package_names(relpath)
    return node


def _make_items(collector, node, chain, tests, runner):
    items = []
    for test in tests:
        if not test.examples:  # pytest skips empty doctests
            continue
        item = DoctestItem(test.name, node, runner, test)
        item.config = collector.config
        item.session = collector.run.session
        item.chain = chain
        item.argnames = ()
        item.fixturenames = collector._closure(item, chain, ())
        items.append(item)
    return items


def collect_special(collector, relpath):
    """(node, items, errors) for a batch that is a doctest text file or, with
    --doctest-modules, a module pytest collects for its doctests only; else None."""
    if is_textfile(relpath):
        if plugin_disabled(collector.config):
            return _make_node(collector, relpath, None), [], []
        return _collect_textfile(collector, relpath)
    config = collector.config
    if not modules_enabled(config):
        return None
    path = os.path.join(collector.rootdir, relpath)
    if _collects_tests(collector, path):
        return None
    node = _make_node(collector, relpath, None)
    if _skipped_file(path):
        return node, [], []
    mod, chain = _import_for_doctests(collector, relpath, path)
    node.obj = mod
    errors = []
    items = module_items(collector, relpath, mod, chain, errors, node)
    if errors:
        raise CollectError(errors[0][1])
    return node, items, []


def skip_reports(collector, relpath):
    """pytest's collection reports for a module that skips itself at import: 2 for a test
    module under --doctest-modules (its Module and its DoctestModule both import it and
    both skip, with one node id), else 1."""
    if not relpath.endswith(".py") or not modules_enabled(collector.config):
        return 1
    path = os.path.join(collector.rootdir, relpath)
    return 2 if _collects_tests(collector, path) and not _skipped_file(path) else 1


def _skipped_file(path):
    return _is_setup_py(path) or os.path.basename(path) == "__main__.py"


def module_items(collector, relpath, mod, chain, errors, node=None):
    """The doctest items of an imported module ([] without --doctest-modules).

    A failure while finding them is the DoctestModule's collection error, appended to
    ``errors`` as (node id, text): the module's regular tests still run, as in pytest."""
    config = collector.config
    if not modules_enabled(config):
        return []
    path = os.path.join(collector.rootdir, relpath)
    restore = None
    if node is None:  # a test module, imported for its regular tests
        if _skipped_file(path):
            return []
        node = _make_node(collector, relpath, mod)
        if config.import_mode == "importlib":
            restore, mod = mod, _second_import(collector, path, mod)
            node.obj = mod
    finder = _finder_class()()
    runner = _get_runner(config)
    try:
        tests = finder.find(mod, mod.__name__)
    except KeyboardInterrupt:
        raise
    except Exception as e:
        errors.append((node.nodeid, short_traceback(e, path, collector.rootdir)))
        return []
    finally:
        if restore is not None:
            sys.modules[restore.__name__] = restore
    return _make_items(collector, node, chain, tests, runner)


def _second_import(collector, path, mod):
    """pytest 7.2's importlib mode never reuses sys.modules: a test module's
    DoctestModule and Module each execute the file, so the doctests see a module
    object of their own (the caller puts the regular tests' module back after the
    doctests are found, so that ``_from_module`` sees the doctests' one)."""
    from . import collect as _collect
    sys.modules.pop(mod.__name__, None)
    try:
        return _collect.import_path(path, "importlib", collector.rootdir)
    except Exception:
        return mod


def _import_for_doctests(collector, relpath, path):
    """Import as pytest's DoctestModule does (conftest.py: the conftest module)."""
    from . import collect as _collect
    absdir = os.path.dirname(path)
    chain = collector.dir_chain(absdir)
    if os.path.basename(path) == "conftest.py":
        for d, m in collector.run.conftests:
            if d == absdir:
                return m, chain
    try:
        mode = collector.config.import_mode
        if mode == "importlib":
            # pytest 7.2 executes the file afresh even when its name is imported already.
            before = {id(m) for m in list(sys.modules.values())}
            mod = _collect.import_path(path, mode, collector.rootdir)
            if id(mod) in before:
                sys.modules.pop(mod.__name__, None)
                mod = _collect.import_path(path, mode, collector.rootdir)
        else:
            mod = _collect.import_path(path, mode, collector.rootdir)
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # noqa: B902 - any import failure is this file's
        _import_failure(collector, e, path)
    return mod, chain


def _import_failure(collector, e, path):
    from .collect import ModuleSkipped
    from . import report
    config = collector.config
    skipped_t = compat.outcome_types()[0]
    if isinstance(e, ImportError) or (isinstance(e, CollectError) and "mismatch" in e.text):
        if _option(config, "doctest_ignore_import_errors", False):
            fn, line = _pytest_doctest_where(_IMPORT_SKIP_SRC)
            raise ModuleSkipped("unable to import module %r" % (pathlib.Path(path),), (fn, line))
    if isinstance(e, CollectError):
        raise e
    if isinstance(e, skipped_t) or compat.is_unittest_skip(e):
        msg = getattr(e, "msg", None)
        raise ModuleSkipped(str(msg if msg is not None else (e.args[0] if e.args else "")),
                            report.format_skip_location(e))
    raise _import_error(collector, e, path)


def import_error_of_doctest_module(collector, e, path):
    """[CollectError] of the DoctestModule pytest 7.2 collects beside a test module that
    failed to import (``e``) under --doctest-modules ([] otherwise): the same file is
    imported by both collectors and both fail, the DoctestModule first. Its report is
    Collector.repr_failure's (short style at --tb=auto, the traceback cut at the file's
    own frames, pytest's crash line); not the Module's "ImportError while importing"
    text. A skip raised by the import is a skip for the DoctestModule, left out here."""
    config = collector.config
    if not modules_enabled(config) or _skipped_file(path):
        return []
    if isinstance(e, (compat.outcome_types()[0], CollectError)) or compat.is_unittest_skip(e):
        return []
    if isinstance(e, ImportError) and _option(config, "doctest_ignore_import_errors", False):
        return []
    return [_import_error(collector, e, path)]


def _import_error(collector, e, path):
    """A DoctestModule's import failure as pytest reports it (Collector.repr_failure)."""
    from .report import Style, exconly, format_exception, format_import_traceback, \
        format_short_traceback
    if compat.untraced_fail(e):  # pytest's value style: the message alone
        return CollectError(str(e))
    cwd = collector.config.invocation_dir
    line = (e.lineno or 0) if isinstance(e, SyntaxError) else 0
    if Style.tbstyle not in ("auto", "short"):
        text = format_exception(e)
    elif isinstance(e, SyntaxError):
        text = format_import_traceback(e, cwd)  # no frame of the file: importlib's on
    else:
        text = format_short_traceback(e, cwd, start=path)
    return CollectError(text, line, message=exconly(e))


def _collect_textfile(collector, relpath):
    import doctest
    config = collector.config
    path = os.path.join(collector.rootdir, relpath)
    node = _make_node(collector, relpath, None)
    chain = collector.dir_chain(os.path.dirname(path))
    encoding = config.ini.get("doctest_encoding") or "utf-8"
    try:
        text = pathlib.Path(path).read_text(encoding)
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # noqa: B902 - an unreadable file is its collection error
        raise CollectError(short_traceback(e, path, collector.rootdir))
    runner = _get_runner(config)
    parser = doctest.DocTestParser()
    name = os.path.basename(path)
    test = parser.get_doctest(text, {"__name__": "__main__"}, name, path, 0)
    return node, _make_items(collector, node, chain, [test], runner), []


# ------------------------------------------------------------------ pytest's finder


def _safe_getattr(obj, name, default):
    try:
        return getattr(obj, name, default)
    except Exception:
        return default


def _is_mocked(obj):
    return _safe_getattr(obj, "pytest_mock_example_attribute_that_shouldnt_exist", None) \
        is not None


class _PytestWarning(UserWarning):
    pass


_PytestWarning.__name__ = "PytestWarning"


def _pytest_warning():
    mod = sys.modules.get("_pytest.warning_types")
    return getattr(mod, "PytestWarning", _PytestWarning)


class _patch_unwrap_mock_aware:
    """inspect.unwrap that stops at mock objects and warns on a broken ``__wrapped__``."""

    def __enter__(self):
        self.real = real = inspect.unwrap

        def _mock_aware_unwrap(func, *, stop=None):
            try:
                if stop is None or stop is _is_mocked:
                    return real(func, stop=_is_mocked)
                _stop = stop
                return real(func, stop=lambda obj: _is_mocked(obj) or _stop(func))
            except Exception as e:
                warnings.warn(
                    "Got %r when unwrapping %r.  This is usually caused "
                    "by a violation of Python's object protocol; see e.g. "
                    "https://github.com/pytest-dev/pytest/issues/5080" % (e, func),
                    _pytest_warning())
                raise

        inspect.unwrap = _mock_aware_unwrap
        return self

    def __exit__(self, *exc):
        inspect.unwrap = self.real
        return False


_FINDER = None


def _finder_class():
    global _FINDER
    if _FINDER is not None:
        return _FINDER
    import doctest

    class MockAwareDocTestFinder(doctest.DocTestFinder):
        def _find_lineno(self, obj, source_lines):
            if isinstance(obj, property):
                obj = getattr(obj, "fget", obj)
            if hasattr(obj, "__wrapped__"):
                obj = inspect.unwrap(obj)
            return super()._find_lineno(obj, source_lines)

        def _find(self, tests, obj, name, module, source_lines, globs, seen):
            if _is_mocked(obj):
                return
            with _patch_unwrap_mock_aware():
                super()._find(tests, obj, name, module, source_lines, globs, seen)

    _FINDER = MockAwareDocTestFinder
    return _FINDER


# ------------------------------------------------------------------ runner and checker


class MultipleDoctestFailures(Exception):
    def __init__(self, failures):
        Exception.__init__(self)
        self.failures = failures


_RUNNER = None


def _outcome_exception():
    mod = sys.modules.get("_pytest.outcomes")
    return getattr(mod, "OutcomeException", None)


def _runner_class():
    global _RUNNER
    if _RUNNER is not None:
        return _RUNNER
    import bdb
    import doctest

    class PytestDoctestRunner(doctest.DebugRunner):
        def __init__(self, checker=None, verbose=None, optionflags=0, continue_on_failure=True):
            super().__init__(checker=checker, verbose=verbose, optionflags=optionflags)
            self.continue_on_failure = continue_on_failure

        def report_failure(self, out, test, example, got):
            failure = doctest.DocTestFailure(test, example, got)
            if self.continue_on_failure:
                out.append(failure)
            else:
                raise failure

        def report_unexpected_exception(self, out, test, example, exc_info):
            exc = exc_info[1]
            base = _outcome_exception()
            # pytest.skip()/fail()/xfail()/exit() inside an example are the test's outcome.
            # (unittest.SkipTest is not one of them: it fails the example, as in pytest.)
            if base is not None and isinstance(exc, base):
                raise exc
            if isinstance(exc, bdb.BdbQuit):
                exit_t = compat.outcome_types()[3]
                if exit_t is not compat._Never:
                    raise exit_t("Quitting debugger")
            failure = doctest.UnexpectedException(test, example, exc_info)
            if self.continue_on_failure:
                out.append(failure)
            else:
                raise failure

    _RUNNER = PytestDoctestRunner
    return _RUNNER


def _get_runner(config):
    continue_on_failure = bool(_option(config, "doctest_continue_on_failure", False))
    if continue_on_failure and _option(config, "usepdb", False):
        continue_on_failure = False
    return _runner_class()(verbose=False, optionflags=get_optionflags(config),
                           checker=get_checker(), continue_on_failure=continue_on_failure)


def _flag_lookup():
    import doctest
    return dict(
        DONT_ACCEPT_TRUE_FOR_1=doctest.DONT_ACCEPT_TRUE_FOR_1,
        DONT_ACCEPT_BLANKLINE=doctest.DONT_ACCEPT_BLANKLINE,
        NORMALIZE_WHITESPACE=doctest.NORMALIZE_WHITESPACE,
        ELLIPSIS=doctest.ELLIPSIS,
        IGNORE_EXCEPTION_DETAIL=doctest.IGNORE_EXCEPTION_DETAIL,
        COMPARISON_FLAGS=doctest.COMPARISON_FLAGS,
        ALLOW_UNICODE=doctest.register_optionflag("ALLOW_UNICODE"),
        ALLOW_BYTES=doctest.register_optionflag("ALLOW_BYTES"),
        NUMBER=doctest.register_optionflag("NUMBER"),
    )


def get_optionflags(config):
    lookup = _flag_lookup()
    acc = 0
    for flag in _ini_args(config, "doctest_optionflags", ["ELLIPSIS"]):
        acc |= lookup[flag]  # an unknown flag is a KeyError, as in pytest
    return acc


def _approx_equal(actual, expected, tol):
    """``actual == pytest.approx(expected, abs=tol)`` for two floats."""
    import math
    if actual == expected:
        return True
    if math.isnan(abs(expected)):
        return False
    if math.isinf(abs(expected)):
        return False
    if tol < 0 or math.isnan(tol):
        raise ValueError("absolute tolerance can't be negative: %s" % tol)
    return abs(expected - actual) <= tol


_CHECKER = None


def _checker_class():
    global _CHECKER
    if _CHECKER is not None:
        return _CHECKER
    import doctest
    import re

    class LiteralsOutputChecker(doctest.OutputChecker):
        _unicode_literal_re = re.compile(r"(\W|^)[uU]([rR]?[\'\"])", re.UNICODE)
        _bytes_literal_re = re.compile(r"(\W|^)[bB]([rR]?[\'\"])", re.UNICODE)
        _number_re = re.compile(
            r"""
            (?P<number>
              (?P<mantissa>
                (?P<integer1> [+-]?\d*)\.(?P<fraction>\d+)
                |
                (?P<integer2> [+-]?\d+)\.
              )
              (?:
                [Ee]
                (?P<exponent1> [+-]?\d+)
              )?
              |
              (?P<integer3> [+-]?\d+)
              (?:
                [Ee]
                (?P<exponent2> [+-]?\d+)
              )
            )
            """,
            re.VERBOSE,
        )

        def check_output(self, want, got, optionflags):
            if super().check_output(want, got, optionflags):
                return True
            flags = _flag_lookup()
            allow_unicode = optionflags & flags["ALLOW_UNICODE"]
            allow_bytes = optionflags & flags["ALLOW_BYTES"]
            allow_number = optionflags & flags["NUMBER"]
            if not allow_unicode and not allow_bytes and not allow_number:
                return False

            def remove_prefixes(regex, txt):
                return re.sub(regex, r"\1\2", txt)

            if allow_unicode:
                want = remove_prefixes(self._unicode_literal_re, want)
                got = remove_prefixes(self._unicode_literal_re, got)
            if allow_bytes:
                want = remove_prefixes(self._bytes_literal_re, want)
                got = remove_prefixes(self._bytes_literal_re, got)
            if allow_number:
                got = self._remove_unwanted_precision(want, got)
            return super().check_output(want, got, optionflags)

        def _remove_unwanted_precision(self, want, got):
            wants = list(self._number_re.finditer(want))
            gots = list(self._number_re.finditer(got))
            if len(wants) != len(gots):
                return got
            offset = 0
            for w, g in zip(wants, gots):
                fraction = w.group("fraction")
                exponent = w.group("exponent1")
                if exponent is None:
                    exponent = w.group("exponent2")
                precision = 0 if fraction is None else len(fraction)
                if exponent is not None:
                    precision -= int(exponent)
                if _approx_equal(float(w.group()), float(g.group()), 10 ** -precision):
                    got = got[: g.start() + offset] + w.group() + got[g.end() + offset:]
                    offset += w.end() - w.start() - (g.end() - g.start())
            return got

    _CHECKER = LiteralsOutputChecker
    return _CHECKER


def get_checker():
    return _checker_class()()


def _report_choice(config):
    import doctest
    key = str(_option(config, "doctestreport", "udiff") or "udiff").lower()
    return {
        "udiff": doctest.REPORT_UDIFF,
        "cdiff": doctest.REPORT_CDIFF,
        "ndiff": doctest.REPORT_NDIFF,
        "only_first_failure": doctest.REPORT_ONLY_FIRST_FAILURE,
        "none": 0,
    }.get(key, doctest.REPORT_UDIFF)


# ------------------------------------------------------------------ running


def setup(run, item):
    """pytest's DoctestItem.setup: ``getfixture`` and doctest_namespace into the globs
    (after the item's autouse/usefixtures closure is set up)."""
    req = getattr(item, "_request", None)
    if req is None:
        req = fx.FixtureRequest(run, item)
        item._request = req
    globs = {"getfixture": req.getfixturevalue}
    for name, value in run.getfixturevalue(req, "doctest_namespace").items():
        globs[name] = value
    item.dtest.globs.update(globs)


def call(run, item):
    """pytest's DoctestItem.runtest."""
    import doctest
    item.failure = None
    dtest = item.dtest
    if all(x.options.get(doctest.SKIP, False) for x in dtest.examples):
        item.all_skipped = True
        raise compat.make_skip(_ALL_SKIPPED)
    failures = []
    try:
        item.runner.run(dtest, out=failures)
    except (doctest.DocTestFailure, doctest.UnexpectedException) as e:
        item.failure = e
        raise DoctestFailed(e) from None
    if failures:
        item.failure = MultipleDoctestFailures(failures)
        raise DoctestFailed(item.failure) from None


def _plain_failure():
    from . import outcomes
    return getattr(outcomes, "_PlainFailure", Exception)


class DoctestFailed(_plain_failure()):
    """The harness's view of a doctest failure; the text is repr_failure's (set later)."""

    def __init__(self, failure):
        Exception.__init__(self, "doctest failed")
        self.failure = failure


# ------------------------------------------------------------------ failure text


def repr_failure(item, exc):
    """pytest's DoctestItem.repr_failure (ReprFailDoctest as the terminal shows it)."""
    import doctest
    if isinstance(exc, (doctest.DocTestFailure, doctest.UnexpectedException)):
        failures = [exc]
    else:
        failures = exc.failures
    return format_failures(failures, _report_choice(item.config))


def format_failures(failures, report_choice):
    import doctest
    checker = get_checker()
    out = []
    for failure in failures:
        example = failure.example
        test = failure.test
        filename = test.filename
        lineno = None if test.lineno is None else test.lineno + example.lineno + 1
        message = type(failure).__name__
        if lineno is not None:
            lines = test.docstring.splitlines(False)
            lines = ["%03d %s" % (i + test.lineno + 1, x) for (i, x) in enumerate(lines)]
            lines = lines[max(example.lineno - 9, 0): example.lineno + 1]
        else:
            lines = ["EXAMPLE LOCATION UNKNOWN, not showing all tests of that example"]
            indent = ">>>"
            for line in example.source.splitlines():
                lines.append("??? %s %s" % (indent, line))
                indent = "..."
        if isinstance(failure, doctest.DocTestFailure):
            lines += checker.output_difference(example, failure.got, report_choice).split("\n")
        else:
            lines += ["UNEXPECTED EXCEPTION: %s" % repr(failure.exc_info[1])]
            lines += [x.strip("\n") for x in traceback.format_exception(*failure.exc_info)]
        out.extend(lines)
        out.append("%s:%s: %s" % (filename, lineno, message.split("\n", 1)[0]))
    return "\n".join(out)


# ------------------------------------------------------------------ collection-error text


def short_traceback(e, path, rootdir):
    """A collector's error as pytest shows it (style "short"): the traceback from the
    file's own frame on (else from the first frame outside the harness)."""
    from . import report
    entries = []
    tb = e.__traceback__
    while tb is not None:
        entries.append((tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    own = [i for i, (f, _) in enumerate(entries) if f.f_code.co_filename == path]
    if own:
        entries = entries[own[0]:]
    else:
        here = os.path.dirname(os.path.abspath(__file__)) + os.sep
        while entries and entries[0][0].f_code.co_filename.startswith(here):
            entries = entries[1:]
    entries = [x for x in entries if not _hidden(x[0])]
    import linecache
    lines = []
    for frame, lineno in entries:
        fn = frame.f_code.co_filename
        shown = fn
        if rootdir and os.path.isabs(fn):
            rel = os.path.relpath(fn, rootdir)
            if not rel.startswith(".."):
                shown = rel
        lines.append("%s:%d: in %s" % (shown, lineno, frame.f_code.co_name))
        src = linecache.getline(fn, lineno, frame.f_globals).strip()
        lines.append("    " + (src or "???"))
    for line in report.exconly(e).split("\n"):
        lines.append("E   " + line)
    return "\n".join(lines)


def _hidden(frame):
    try:
        return bool(frame.f_locals.get("__tracebackhide__") or
                    frame.f_globals.get("__tracebackhide__"))
    except Exception:
        return False


# ------------------------------------------------------------------ pytest's own locations

_where_cache = {}


def _pytest_doctest_where(src):
    """(path, line) of ``src`` in the installed _pytest/doctest.py, where pytest's own
    skip() for that case is raised (read as text; pytest is never imported)."""
    if src in _where_cache:
        return _where_cache[src]
    result = (None, 0)
    try:
        import importlib.util
        spec = importlib.util.find_spec("_pytest")
        if spec is not None and spec.origin:
            fn = os.path.join(os.path.dirname(spec.origin), "doctest.py")
            with open(fn, encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    if src in line:
                        result = (fn, n)
                        break
    except Exception:
        pass
    _where_cache[src] = result
    return result


def _pytest_doctest_location(src):
    fn, line = _pytest_doctest_where(src)
    return "%s:%d" % (fn, line) if fn else "doctest"
