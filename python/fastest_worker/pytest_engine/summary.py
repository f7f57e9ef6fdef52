"""Plugins' and conftests' own ``pytest_terminal_summary`` sections.

pytest's terminal reporter calls ``pytest_terminal_summary`` at the end of
``pytest_sessionfinish`` (after the PASSES section, before the short test summary).
The controller prints pytest's own sections (ERRORS, FAILURES, warnings, PASSES, the
junitxml line, durations, the short summary) itself; what other implementations write
(a conftest's ``terminalreporter.write_sep``, pytest-benchmark's table) is written
here, at the worker's shutdown, into a buffer against the worker's own terminal
reporter, and sent as one ``terminal_summary`` frame per implementation
(docs/protocol.md, "The pytest engine"). With more than one worker, the reporter's
``stats`` are first every worker's, as xdist's controller has them: each worker sends
its own (``summary_stats``) and gets everyone's back, so a section counting the run's
outcomes reads the same in every worker and the controller prints it once; a section
from a plugin's own per-process state (a benchmark table) is still each worker's.
"""
import io
import json
import sys

from .. import proto
from . import pytest_compat as compat

# Implementations whose sections the controller prints itself (or that only make sense
# in xdist's controller). pytest's warnings plugin wraps the hook to catch its
# warnings: kept.
_OWN = ("_pytest.", "xdist.", "fastest_worker.")
_KEPT = ("_pytest.warnings",)
# The exit statuses pytest's terminal reporter prints a summary for.
_SUMMARY_STATUSES = (0, 1, 2, 4, 5)
# A worker's stats past this size stay its own (the controller's frames stop at 64 MB).
_MAX_EXPORT_BYTES = 16 * 1024 * 1024


def _own(impl):
    return _pytest_or_ours(impl) and not _module(impl).startswith(_KEPT)


def _pytest_or_ours(impl):
    return _module(impl).startswith(_OWN)


def _module(impl):
    return getattr(impl.function, "__module__", "") or ""


class Summary:
    """Set up at start-up, once the configuration is done; ``texts()`` at shutdown. The
    implementations are looked up then: a conftest registered by a batch's collection
    (or among the session's conftests) has its section too."""

    def __init__(self, config, reporter):
        self.config = config
        self.reporter = reporter  # pytest's real TerminalReporter (unregistered)
        self.enabled = reporter is not None and not getattr(config.option, "no_summary", False)
        self.counting = False
        self.others = []  # other workers' test reports, for replay_others()
        self.refresh()

    def _impls(self):
        """(every implementation, the kept ones, the others), pluggy's order reversed."""
        impls = self.config.pluginmanager.hook.pytest_terminal_summary.get_hookimpls()
        kept = [i for i in impls if (getattr(i.function, "__module__", "") or "").startswith(_KEPT)]
        return impls, kept, [i for i in impls if not _own(i) and i not in kept]

    def refresh(self):
        """Keep the reporter's ``stats`` once some implementation may read them (after
        each registration that can add one: start-up, the session's conftests, a
        batch's collection)."""
        if self.enabled and not self.counting and self._impls()[2]:
            self.counting = True
            self.config.pluginmanager.register(_Stats(self.config, self.reporter), "fastest-summary-stats")

    def gathering(self, worker_count):
        """Whether this worker's ``stats`` are to be exchanged for every worker's: some
        implementation may read them and other workers hold part of the run."""
        return self.enabled and self.counting and worker_count > 1

    def export(self, max_bytes=_MAX_EXPORT_BYTES):
        """This worker's ``stats`` as one JSON text; "" when larger than ``max_bytes``
        (the workers then keep their own)."""
        # The harness's encoder: str() for what JSON lacks (a user property's object).
        text = proto._dumps(compat.export_stats(self.config, self.reporter))
        return text if len(text) <= max_bytes else ""

    def replace(self, parts, own=None):
        """Every worker's ``export()`` texts, in the controller's (slot) order. Kept as
        they are when a part is missing (""). ``own``: the text this worker sent, whose
        part is not replayed (``replay_others``)."""
        if not parts or any(not p for p in parts):
            return False
        tests = compat.replace_stats(self.config, self.reporter, [json.loads(p) for p in parts])
        mine = parts.index(own) if own in parts else -1
        self.others = [r for i, reps in enumerate(tests) if i != mine for r in reps]
        return True

    def replay_others(self):
        """The other workers' test reports through the plugins' and conftests' own
        ``pytest_runtest_logreport``, as xdist's controller calls it with every worker's
        reports: a conftest that gathers reports there and prints them in its
        ``pytest_terminal_summary`` sees the whole run (its section then reads the same
        in every worker and is printed once). pytest's own implementations (the session's
        counters among them) and the engine's do not see them. Only the reports the
        summary exchange carries: not the passing setup and teardown phases, grouped by
        category rather than in run order."""
        others, self.others = self.others, []
        if not others:
            return
        pm = self.config.pluginmanager
        impls = pm.hook.pytest_runtest_logreport.get_hookimpls()
        drop = [i.plugin for i in impls if _pytest_or_ours(i)]
        if len(drop) == len(impls):
            return
        caller = pm.subset_hook_caller("pytest_runtest_logreport", drop)
        for report in others:
            caller(report=report)

    def texts(self, exitstatus):
        """What each other implementation writes (empty ones left out)."""
        if not self.enabled or int(exitstatus) not in _SUMMARY_STATUSES:
            return []
        pm = self.config.pluginmanager
        impls, kept, others = self._impls()
        out = []
        # One caller per plugin, in pluggy's call order (the list's reverse): each one's
        # text is its own frame, so the controller can drop a section another worker
        # already sent (a conftest's footer) and keep the one only this worker has.
        for impl in reversed(others):
            drop = [i.plugin for i in impls if i.plugin is not impl.plugin and i not in kept]
            caller = pm.subset_hook_caller("pytest_terminal_summary", drop)
            buf = io.StringIO()
            old = sys.stdout
            # A print() in the hook lands where pytest's terminal would show it.
            sys.stdout = buf
            try:
                with compat.terminal_writing_to(self.reporter, buf):
                    caller(terminalreporter=self.reporter, exitstatus=exitstatus, config=self.config)
            finally:
                if sys.stdout is buf:
                    sys.stdout = old
            if buf.getvalue():
                out.append(buf.getvalue())
        return out


class _Stats:
    """Keeps the real terminal reporter's ``stats`` as its own hooks would (it is not
    registered in the engine): what summary hooks count (``stats["passed"]``, ...)."""

    def __init__(self, config, reporter):
        self.config = config
        self.tr = reporter

    def pytest_runtest_logreport(self, report):
        res = self.config.hook.pytest_report_teststatus(report=report, config=self.config)
        if res:
            compat.add_stats(self.tr, res[0], [report])

    def pytest_collectreport(self, report):
        if report.failed:
            compat.add_stats(self.tr, "error", [report])
        elif report.skipped:
            compat.add_stats(self.tr, "skipped", [report])

    def pytest_deselected(self, items):
        compat.add_stats(self.tr, "deselected", items)

    def pytest_warning_recorded(self, warning_message, nodeid):
        self.tr.pytest_warning_recorded(warning_message, nodeid)
