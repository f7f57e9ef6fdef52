"""pytest's reports -> protocol frames (docs/protocol.md, "result").

One test gives pytest up to three TestReports (setup, call, teardown); the protocol
wants one ``result`` per test. Outcomes are decided by pytest's own
``pytest_report_teststatus`` hook, the one its terminal summary counts by, so plugins
that re-classify reports (xfail, custom statuses) are honoured.
"""
import os

_KNOWN = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
_PHASES = ("setup", "call", "teardown")
# pytest's own (category, letter, word) per outcome (terminal.py, skipping.py).
_DEFAULT_STATUS = {"passed": ("passed", ".", "PASSED"), "failed": ("failed", "F", "FAILED"),
                   "error": ("error", "E", "ERROR"), "skipped": ("skipped", "s", "SKIPPED"),
                   "xfailed": ("xfailed", "x", "XFAIL"), "xpassed": ("xpassed", "X", "XPASS")}
# TerminalWriter's colour names (a markup dict's other keys: bold, light, ...).
_COLORS = ("black", "red", "green", "yellow", "blue", "purple", "cyan", "white")


def teststatus(config, report):
    """pytest_report_teststatus's ``(category, letter, word, colour)`` for one report,
    the word's markup reduced to its colour ('' when the hook gave none); None when
    the hook gave nothing usable."""
    try:
        res = config.hook.pytest_report_teststatus(report=report, config=config)
    except Exception:
        return None
    if not res or len(res) != 3:
        return None
    cat, letter, word = res
    if isinstance(cat, tuple):
        cat = cat[0]
    color = ""
    if isinstance(word, tuple):
        word, markup = (word + ({},))[:2]
        if isinstance(markup, dict):
            color = next((str(k) for k, v in markup.items() if v and k in _COLORS), "")
    return str(cat or ""), str(letter or ""), str(word or ""), color


def category(config, report, status=None):
    """pytest's summary category for one report ('' for a passed setup/teardown), one
    of the protocol's outcomes: a plugin's own category ("rerun", "subtests passed")
    falls back on the raw outcome (its words travel as ``status``)."""
    res = teststatus(config, report) if status is None else status
    cat = res[0] if res else None
    if cat in _KNOWN or cat == "":
        return cat
    if report.when in ("setup", "teardown"):
        return "error" if report.failed else ("skipped" if report.skipped else "")
    return report.outcome


def _own_status(outcome, status):
    """The ``status`` field: the hook's words when they are not pytest's own for the
    outcome the result carries (None otherwise, the common case)."""
    if status is None:
        return None
    cat, letter, word, color = status
    if (cat, letter, word) == _DEFAULT_STATUS.get(outcome) and not color:
        return None
    return [cat, letter, word, color]


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


def build(config, rootdir, nodeid, reports, captured=()):
    """The ``result`` fields (without ``t``/``batch``) for one test's reports.

    A report followed by a later one of the same phase (pytest-subtests' SubTestReports,
    logged during the call before the test's own call report) is a ``subreports`` entry:
    pytest's terminal and JUnit count and show it on its own, with its own words.
    ``captured``: ids of the reports whose letter went into the captured stdout."""
    res = {"nodeid": nodeid, "outcome": "passed", "when": "call", "setup_s": 0.0,
           "call_s": 0.0, "teardown_s": 0.0, "longrepr": "", "message": "",
           "stdout": "", "stderr": "", "log": "", "line": 0}
    decided = None
    decided_status = None
    td_errors = []
    subs = []
    # --tb=line: pytest's summary shows the crash line, not the report's text.
    line_style = config.getoption("tbstyle", "auto") == "line"
    last_of = {rep.when: i for i, rep in enumerate(reports)}
    for i, rep in enumerate(reports):
        when = rep.when
        status = teststatus(config, rep)
        cat = category(config, rep, status)
        if last_of.get(when) != i:
            sub = _subreport(rep, cat, status, rootdir, line_style)
            if sub is not None:
                if id(rep) in captured:
                    sub["captured"] = True
                subs.append(sub)
            continue
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
        decided_status = status
        res["outcome"] = cat or "passed"
        res["when"] = when
        _fill_text(res, rep, cat, rootdir, line_style)
    own = _own_status(res["outcome"], decided_status)
    if own is not None:
        res["status"] = own
    if subs:
        res["subreports"] = subs
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


def _subreport(rep, cat, status, rootdir, line_style):
    """One ``subreports`` entry, or None for a report pytest's terminal neither counts
    nor shows (no category, letter or word)."""
    if status is None:
        status = (cat or "", "", "", "")
    if not status[0] and not status[1] and not status[2]:
        return None
    outcome = cat or rep.outcome
    if outcome == "error" and rep.when == "call":
        outcome = "failed"
    sub = {"outcome": outcome, "when": rep.when, "status": list(status),
           "duration_s": float(getattr(rep, "duration", 0.0) or 0.0)}
    text = {}
    _fill_text(text, rep, outcome, rootdir, line_style)
    if text.get("longrepr"):
        sub["longrepr"] = text["longrepr"]
    if text.get("message"):
        sub["message"] = text["message"]
    title = _sub_title(rep)
    if title:
        sub["head_line"] = title
    secs = [[str(t), str(c)] for t, c in getattr(rep, "sections", ())]
    if secs:
        sub["sections"] = secs
    return sub


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


def _sub_title(rep):
    """A sub-report's head line (pytest-subtests': ``test_sub [msg] (i=1)``), '' when
    it is the test's own (its FAILURES title then comes from the node id)."""
    head = getattr(rep, "head_line", None)
    try:
        return str(head) if head and getattr(rep, "context", None) is not None else ""
    except Exception:
        return ""


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
