"""pytest's reports -> protocol frames (docs/protocol.md, "result").

One test gives pytest up to three TestReports (setup, call, teardown); the protocol
wants one ``result`` per test. Outcomes are decided by pytest's own
``pytest_report_teststatus`` hook, the one its terminal summary counts by, so plugins
that re-classify reports (xfail, custom statuses) are honoured.
"""
import os

_KNOWN = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
_PHASES = ("setup", "call", "teardown")


def category(config, report):
    """pytest's summary category for one report ('' for a passed setup/teardown)."""
    try:
        res = config.hook.pytest_report_teststatus(report=report, config=config)
    except Exception:
        res = None
    cat = res[0] if res else None
    if isinstance(cat, tuple):
        cat = cat[0]
    if cat in _KNOWN or cat == "":
        return cat
    # A plugin's own status ("rerun", ...): fall back on the raw outcome.
    if report.when in ("setup", "teardown"):
        return "error" if report.failed else ("skipped" if report.skipped else "")
    return report.outcome


def rel(path, rootdir):
    try:
        r = os.path.relpath(str(path), rootdir)
    except ValueError:
        return str(path)
    return str(path) if r.startswith("..") else r


def skip_text(longrepr, rootdir):
    """``path:line: reason`` as ``-rs`` shows it (path rootdir-relative, as the native
    engine sends it); the reason alone as the one-line message."""
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        path, lineno, reason = longrepr
        reason = str(reason)
        if reason.startswith("Skipped: "):
            reason = reason[len("Skipped: "):]
        if lineno is None:
            return "%s: %s" % (rel(path, rootdir), reason), reason
        return "%s:%d: %s" % (rel(path, rootdir), lineno, reason), reason
    text = str(longrepr) if longrepr is not None else ""
    return text, text.strip().splitlines()[-1] if text.strip() else ""


def crash_message(report, fallback=True):
    """One line: the exception line pytest's short summary would show. A longrepr
    without a crash line (pytest-forked's, a plugin's string) has none there, and
    pytest's JUnit then takes the whole text: '' unless ``fallback`` wants its last line."""
    lr = report.longrepr
    crash = getattr(lr, "reprcrash", None)
    msg = getattr(crash, "message", None)
    if msg:
        return str(msg).split("\n", 1)[0]
    if not fallback:
        return ""
    text = str(lr) if lr is not None else ""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def longrepr_text(report, line_style=False):
    lr = report.longrepr
    if lr is None:
        return ""
    crash = getattr(lr, "reprcrash", None) if line_style else None
    try:
        if crash is not None:
            return str(crash)
        if hasattr(lr, "toterminal"):
            # What pytest's terminal writes (its str() strips the empty line a long
            # entry starts with and the source line's indent); JUnit strips it again.
            return _terminal_text(lr)
        return str(lr)
    except Exception as e:  # never lose the result over formatting
        return "(fastest could not format pytest's report: %r)" % (e,)


def _terminal_text(lr):
    import io
    from . import pytest_compat as compat
    buf = io.StringIO()
    lr.toterminal(compat.plain_terminal_writer(buf))
    return buf.getvalue().rstrip()


def build(config, rootdir, nodeid, reports):
    """The ``result`` fields (without ``t``/``batch``) for one test's reports."""
    res = {"nodeid": nodeid, "outcome": "passed", "when": "call", "setup_s": 0.0,
           "call_s": 0.0, "teardown_s": 0.0, "longrepr": "", "message": "",
           "stdout": "", "stderr": "", "log": "", "line": 0}
    decided = None
    td_errors = []
    failed_calls = []  # several call reports (pytest-subtests): each failure counts
    # --tb=line: pytest's summary shows the crash line, not the report's text.
    line_style = config.getoption("tbstyle", "auto") == "line"
    for rep in reports:
        when = rep.when
        cat = category(config, rep)
        if when == "call" and decided is not None and decided.when == "call":
            # A sub-report (a subtest) came first: the test's own call report follows.
            if cat in ("failed", "error"):
                failed_calls.append(rep)
            if failed_calls and cat not in ("failed", "error"):
                res["call_s"] += float(getattr(rep, "duration", 0.0) or 0.0)
                continue
        elif when == "call" and cat in ("failed", "error"):
            failed_calls.append(rep)
        # A phase pytest does not name (pytest-forked's crash report says '???'): its
        # time is the call's.
        res[(when if when in _PHASES else "call") + "_s"] = float(getattr(rep, "duration", 0.0) or 0.0)
        if when == "teardown" and decided is not None:
            if cat in ("error", "failed"):
                td_errors.append(longrepr_text(rep, line_style))
            continue
        if when == "teardown" and cat == "":
            continue
        if when == "setup" and cat == "":
            continue
        if cat == "error" and when == "call":
            cat = "failed"
        decided = rep
        res["outcome"] = cat or "passed"
        res["when"] = when
        _fill_text(res, rep, cat, rootdir, line_style)
    if len(failed_calls) > 1 or (failed_calls and _sub_title(failed_calls[0])):
        _combine_failures(res, failed_calls, line_style)
    if td_errors:
        res["teardown_error"] = "\n".join(td_errors)
    secs = _sections(config, res["outcome"], decided, reports)
    if secs:
        res["sections"] = secs
    last = reports[-1] if reports else None
    if last is not None:
        res["stdout"] = last.capstdout
        res["stderr"] = last.capstderr
        res["log"] = last.caplog
        props = [[str(k), str(v)] for k, v in (getattr(last, "user_properties", None) or [])]
        if props:
            res["properties"] = props
        loc = getattr(last, "location", None)
        if loc and len(loc) > 1 and isinstance(loc[1], int):
            res["line"] = loc[1] + 1
    return res


def _sections(config, outcome, decided, reports):
    """The captured sections pytest's summary prints under the test's entry: the
    deciding report's (every phase so far, phase in the title), and for FAILURES and
    PASSES (``-rP``) the teardown report's teardown ones after them (its
    ``_handle_teardown_sections``); ERRORS show the report's own only."""
    if decided is None or outcome not in ("failed", "error", "passed"):
        return None
    if outcome == "passed":
        chars = getattr(config.option, "reportchars", "") or ""
        if "P" not in chars and "A" not in chars:
            return None
    secs = [[str(t), str(c)] for t, c in decided.sections]
    if outcome != "error":
        for rep in reports:
            if rep.when == "teardown" and rep is not decided:
                secs.extend([str(t), str(c)] for t, c in rep.sections if "teardown" in t)
    return secs


def _combine_failures(res, reps, line_style):
    """A test with several failed call reports (pytest-subtests' ``SubTestReport``\ s):
    a failure, each sub-report's text under its own title as pytest's FAILURES shows
    them; the first one's crash line is the message."""
    parts = []
    for rep in reps:
        title = _sub_title(rep)
        text = longrepr_text(rep, line_style)
        parts.append(("%s\n%s" % (_rule(title), text)) if title else text)
    res["outcome"] = "failed"
    res["when"] = "call"
    res["longrepr"] = "\n\n".join(parts)
    res["message"] = crash_message(reps[0])


def _sub_title(rep):
    """pytest-subtests' head line of a sub-report ('' for any other report)."""
    head = getattr(rep, "head_line", None)
    try:
        return str(head) if head and getattr(rep, "context", None) is not None else ""
    except Exception:
        return ""


def _rule(title, width=80):
    fill = max(width - len(title) - 2, 2)
    return "%s %s %s" % ("_" * (fill // 2), title, "_" * (fill - fill // 2))


def _fill_text(res, rep, cat, rootdir, line_style):
    if cat == "skipped":
        res["longrepr"], res["message"] = skip_text(rep.longrepr, rootdir)
    elif cat == "xfailed":
        reason = str(getattr(rep, "wasxfail", "") or "")
        res["longrepr"] = longrepr_text(rep) or reason
        res["message"] = reason
    elif cat == "xpassed":
        res["longrepr"] = ""
        res["message"] = str(getattr(rep, "wasxfail", "") or "")
    elif cat in ("failed", "error"):
        res["longrepr"] = longrepr_text(rep, line_style)
        res["message"] = crash_message(rep, fallback=False)
    else:
        res["longrepr"] = ""
        res["message"] = ""
