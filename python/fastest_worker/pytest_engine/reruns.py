"""``--reruns`` in the pytest engine: a failed test runs again after the rest of its batch.

pytest-rerunfailures' rules: a test whose setup, call or teardown report failed runs
again up to ``reruns`` times (a ``flaky(reruns=N, reruns_delay=S)`` mark wins, unless
pytest-rerunfailures itself is active and handles its marks); every attempt goes
through pytest's own ``pytest_runtest_protocol`` with the ``nextitem`` of its place in
the run list, so scopes end where pytest would end them, and a wider-scope fixture that
raised has its cached result dropped so the rerun sets it up again. A failed attempt
that will run again is sent as a ``rerun`` frame (``result``'s fields plus ``attempt``)
and is taken back from ``session.testsfailed``, so ``-x``/``--maxfail`` count tests, not
attempts. docs/protocol.md, "Reruns".
"""
import time

from . import pytest_compat as compat
from ..reruns import config_counts, mark_limits, prior_attempts


class Reruns:
    def __init__(self, msg):
        self.count, self.delay = config_counts(msg)
        self.failed = {}  # node id -> failed attempts so far (earlier workers' included)
        self.again_for = None  # the node id whose last attempt was made a rerun
        self.plugin_marks = None  # pytest-rerunfailures handles flaky marks itself

    def batch(self, items, msg):
        """Run order for a batch: tests a dead worker already failed (``attempts``) last."""
        prior = prior_attempts(msg)
        if not prior:
            return items
        for k, v in prior.items():
            self.failed[k] = max(self.failed.get(k, 0), v)
        return [i for i in items if i.nodeid not in prior] + [i for i in items if i.nodeid in prior]

    def _limits(self, config, item):
        if self.plugin_marks is None:
            try:
                self.plugin_marks = bool(config.pluginmanager.hasplugin("rerunfailures"))
            except Exception:
                self.plugin_marks = False
        mark = None
        if not self.plugin_marks:
            try:
                mark = item.get_closest_marker("flaky")
            except Exception:
                mark = None
        return mark_limits(mark, self.count, self.delay)

    def before_attempt(self, config, item):
        if self.failed.get(item.nodeid):
            delay = self._limits(config, item)[1]
            if delay > 0:
                time.sleep(delay)

    def on_result(self, config, session, item, reports, res):
        """A finished attempt's ``result`` frame: numbered, and made a ``rerun`` when the
        test runs again (then ``take_again`` says so to the runner)."""
        done = self.failed.get(res["nodeid"], 0)
        if done:
            res["attempt"] = done + 1
        if item is None or item.nodeid != res["nodeid"]:
            return
        failed = res.get("outcome") in ("failed", "error") or "teardown_error" in res
        if not failed or done >= self._limits(config, item)[0]:
            return
        self.failed[item.nodeid] = done + 1
        res["t"] = "rerun"
        self.again_for = item.nodeid
        _uncount_failures(config, session, reports)
        compat.drop_failed_fixtures(item)

    def take_again(self, item):
        """True once after ``item``'s attempt was made a rerun."""
        if self.again_for is not None and self.again_for == item.nodeid:
            self.again_for = None
            return True
        return False


def _uncount_failures(config, session, reports):
    """pytest's Session counted the attempt's failed reports (and may have set
    ``shouldfail`` for ``--maxfail``): a rerun is not a failure yet."""
    if session is None:
        return
    n = sum(1 for r in reports if r.failed and not hasattr(r, "wasxfail"))
    session.testsfailed = max(0, session.testsfailed - n)
    maxfail = config.getvalue("maxfail") if hasattr(config, "getvalue") else 0
    if session.shouldfail and (not maxfail or session.testsfailed < maxfail):
        compat.unset_shouldfail(session)
