"""Turning phase exceptions into pytest's outcomes and failure text."""
import os

from . import compat
from . import fixtures as fx
from . import report
from .marks import _MarkSkip, _MarkFail, _XfailNotRun


def decide(run, item, xfailed, setup_exc, call_exc, td_exc):
    skipped_t, xfailed_t, failed_t, exit_t = compat.outcome_types()
    skip_types = (skipped_t, _MarkSkip, compat._unittest_skip())
    root = run.config.rootdir_str
    run_xfail = run.config.run_xfail
    res = {}
    if setup_exc is not None:
        exc, when = setup_exc, "setup"
    elif call_exc is not None:
        exc, when = call_exc, "call"
    else:
        exc, when = None, "call"
    if exc is None:
        if xfailed is not None and not run_xfail:
            if xfailed.strict:
                # A string longrepr: pytest's short summary has no crash message for it.
                res.update(outcome="failed", when="call",
                           longrepr="[XPASS(strict)] " + xfailed.reason, message="")
            else:
                res.update(outcome="xpassed", when="call", longrepr="",
                           message=xfailed.reason)
        else:
            res.update(outcome="passed", when="call", longrepr="", message="")
    elif isinstance(exc, skip_types):
        reason = _skip_reason(exc)
        if isinstance(exc, _MarkSkip) or getattr(exc, "_use_item_location", False):
            # pytest's item.reportinfo(): the file that defines the function (a method
            # inherited from another module's class is that module's), its first line.
            fn = _source_file(item)
            where = "%s:%d" % (_rel(fn, root) if fn else item.module_node.relpath, item.line)
        else:
            fn, line = report.crash_location(exc)
            where = "%s:%d" % (_rel(fn, root), line) if fn else item.module_node.relpath
        res.update(outcome="skipped", when=when, longrepr="%s: %s" % (where, reason),
                   message=reason)
    elif isinstance(exc, (xfailed_t, _XfailNotRun)) and not (run_xfail and not isinstance(
            exc, _XfailNotRun)):
        # pytest's skipping plugin: wasxfail = "reason: " + msg for an imperative xfail
        # (and run=False's "[NOTRUN] ..."), the mark's reason otherwise.
        reason = "reason: " + (getattr(exc, "msg", None) or (exc.args[0] if exc.args else ""))
        res.update(outcome="xfailed", when=when, longrepr=reason, message=reason)
    elif xfailed is not None and not run_xfail:
        if xfailed.raises is not None and not isinstance(exc, xfailed.raises):
            text = failure_text(run, exc)
            res.update(outcome="failed" if when == "call" else "error", when=when,
                       longrepr=text, message=_first_line(exc))
        else:
            res.update(outcome="xfailed", when=when, longrepr=failure_text(run, exc),
                       message=xfailed.reason)
    else:
        text = failure_text(run, exc)
        res.update(outcome="failed" if when == "call" else "error", when=when,
                   longrepr=text, message=_first_line(exc))
    if td_exc is not None and not isinstance(td_exc, skip_types):
        if not (xfailed is not None and not run_xfail and (
                xfailed.raises is None or isinstance(td_exc, xfailed.raises))):
            res["teardown_error"] = failure_text(run, td_exc)
    return res


def failure_text(run, exc):
    _, _, failed_t, _ = compat.outcome_types()
    if isinstance(exc, (_MarkFail, _PlainFailure)):
        return str(exc)
    if isinstance(exc, fx.FixtureLookupError):
        return exc.msg or str(exc)
    if isinstance(exc, failed_t) and not getattr(exc, "pytrace", True):
        if report.Style.tbstyle == "line":
            return "None"  # pytest's --tb=line prints str() of the missing crash line
        return str(getattr(exc, "msg", exc))
    try:
        return report.format_failure(exc, run.config.invocation_dir)
    except Exception as e:  # never lose the result over formatting
        return "%s: %s\n(fastest could not format the traceback: %r)" % (
            type(exc).__name__, exc, e)


class UnitResult:
    """unittest result that keeps the first problem (no addSubTest on purpose:
    a failing subTest then fails the test, as under pytest without pytest-subtests)."""

    def __init__(self):
        self.excinfo = []

    def startTest(self, test):
        pass

    def stopTest(self, test):
        pass

    def addSuccess(self, test):
        pass

    def addError(self, test, err):
        self.excinfo.append(_prune_unittest(_exc_from(err)))

    addFailure = addError

    def addSkip(self, test, reason):
        e = compat.make_skip(reason)
        e._use_item_location = True  # pytest's unittest plugin skips at the test's line
        self.excinfo.append(e)

    def addExpectedFailure(self, test, err):
        e = _exc_from(err)
        x = _XfailNotRun(str(e))
        x.msg = ""
        self.excinfo.append(_unittest_xfail(e))

    def addUnexpectedSuccess(self, test, reason=""):
        msg = "Unexpected success"
        if reason:
            msg += ": " + str(getattr(reason, "reason", reason))
        self.excinfo.append(_PlainFailure(msg))

    def addDuration(self, test, elapsed):
        pass


class _PlainFailure(Exception):
    pass


def _unittest_xfail(e):
    xt = compat.outcome_types()[1]
    if xt is compat._Never:
        x = _XfailNotRun("")
    else:
        x = xt("")
    x.__cause__ = None
    return x


def _exc_from(err):
    if isinstance(err, BaseException):
        return err
    et, ev, tb = err
    if ev is None:
        ev = et()
    if tb is not None and ev.__traceback__ is not tb:
        ev = ev.with_traceback(tb)
    return ev


def _prune_unittest(e):
    """pytest's TestCaseFunction._prunetraceback: unittest's own frames (their module
    globals set ``__unittest``) are left out of the traceback, unless nothing is left."""
    kept = []
    tb = e.__traceback__
    while tb is not None:
        if not tb.tb_frame.f_globals.get("__unittest"):
            kept.append(tb)
        tb = tb.tb_next
    if not kept:
        return e
    for a, b in zip(kept, kept[1:]):
        a.tb_next = b
    kept[-1].tb_next = None
    return e.with_traceback(kept[0])


def _skip_reason(exc):
    msg = getattr(exc, "msg", None)
    if msg is None:
        msg = exc.args[0] if exc.args else ""
    return str(msg)


def _first_line(exc):
    if isinstance(exc, _MarkFail) or _untraced_fail(exc):
        return ""  # pytrace=False: a value-style report has no crash line (no " - message")
    if isinstance(exc, _PlainFailure):
        return str(exc).split("\n", 1)[0]
    if isinstance(exc, fx.FixtureLookupError):
        return ""  # pytest's FixtureLookupErrorRepr has no crash line for the short summary
    try:
        text = report.exconly(exc)
    except Exception:
        text = type(exc).__name__
    return text.split("\n", 1)[0]


_untraced_fail = compat.untraced_fail


def _source_file(item):
    """co_filename of the item's function after pytest's get_real_func, or None."""
    code = getattr(compat.location_func(getattr(item, "function", None)), "__code__", None)
    fn = getattr(code, "co_filename", None)
    return fn if isinstance(fn, str) and os.path.isfile(fn) else None


def _rel(fn, root):
    try:
        rel = os.path.relpath(fn, root)
    except ValueError:
        return fn
    return fn if rel.startswith("..") else rel
