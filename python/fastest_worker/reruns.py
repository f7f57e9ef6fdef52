"""``--reruns``: a failed test runs again, in the same worker, after the rest of its batch.

As pytest-rerunfailures: a test whose setup, call or teardown failed is run again up to
``reruns`` times (``config.reruns``, or a ``@pytest.mark.flaky(reruns=N,
reruns_delay=S)`` mark, which wins); each failed attempt but the last is sent as a
``rerun`` frame (the fields of ``result`` plus ``attempt``) and the final attempt as the
test's ``result``. Between attempts the test's function-scope fixtures are torn down as
usual and any fixture of a wider scope that raised is finished, so it is set up again;
wider fixtures that worked stay. docs/protocol.md, "Reruns".
"""
import time


def config_counts(msg):
    """(reruns, reruns_delay) of a ``config`` message; (0, 0.0) when absent or bad."""
    try:
        return max(0, int(msg.get("reruns") or 0)), max(0.0, float(msg.get("reruns_delay") or 0))
    except (TypeError, ValueError):
        return 0, 0.0


def mark_limits(mark, count, delay):
    """(reruns, delay) of a ``flaky(reruns=N, reruns_delay=S)`` mark (pytest-rerunfailures'
    positional form too); the given defaults when the mark is absent or malformed."""
    if mark is None:
        return count, delay
    kw = getattr(mark, "kwargs", {}) or {}
    args = getattr(mark, "args", ()) or ()
    try:
        return (max(0, int(kw.get("reruns", args[0] if args else 1))),
                max(0.0, float(kw.get("reruns_delay", args[1] if len(args) > 1 else 0))))
    except (TypeError, ValueError):
        return count, delay


def prior_attempts(msg):
    """A ``run``'s ``attempts``: node id -> failed attempts in a worker that died."""
    prior = msg.get("attempts") or {}
    if not isinstance(prior, dict):
        return {}
    return {str(k): v for k, v in prior.items() if isinstance(v, int) and v > 0}


class Reruns:
    """One worker's rerun state: counts from ``config``, attempts per node id."""

    def __init__(self):
        self.count = 0
        self.delay = 0.0
        self.failed = {}  # node id -> failed attempts so far (earlier workers' included)
        self.items = None  # the running batch's item list (reruns are appended to it)

    def configure(self, msg):
        self.count, self.delay = config_counts(msg)

    def batch(self, items, msg):
        """The batch's run list. Tests that failed in a worker that then died (the ``run``'s
        ``attempts``) keep their count and go last, after the batch's other tests."""
        self.failed = prior_attempts(msg)
        if self.failed:
            items = [i for i in items if i.nodeid not in self.failed] + [
                i for i in items if i.nodeid in self.failed]
        self.items = items
        return items

    def _limits(self, item):
        mark = None
        if self.count or getattr(item, "any_marks", True):
            try:
                mark = item.get_closest_marker("flaky")
            except Exception:
                mark = None
        return mark_limits(mark, self.count, self.delay)

    def before_attempt(self, item):
        """Wait ``reruns_delay`` before a rerun."""
        if self.failed.get(item.nodeid):
            delay = self._limits(item)[1]
            if delay > 0:
                time.sleep(delay)

    def again(self, run, item, res):
        """Called with a finished attempt's ``result`` frame: True (and the frame made a
        ``rerun``, the test queued at the end of the batch) when the test runs again."""
        failed = res.get("outcome") in ("failed", "error") or "teardown_error" in res
        done = self.failed.get(item.nodeid, 0)
        if not failed:
            if done:
                res["attempt"] = done + 1
            return False
        count = self._limits(item)[0]
        res["attempt"] = done + 1
        if done >= count or self.items is None:
            return False
        self.failed[item.nodeid] = done + 1
        res["t"] = "rerun"
        _reset_failed_fixtures(run, item)
        self.items.append(item)
        return True


def _reset_failed_fixtures(run, item):
    """A wider-scope fixture that raised keeps its exception cached: finish it so the
    rerun sets it up again (pytest-rerunfailures drops such cached results)."""
    chain = getattr(item, "chain", None)
    if chain is None:
        return
    for name in list(getattr(item, "fixturenames", None) or ()):
        try:
            defs = chain.defs(name)
        except Exception:
            continue
        for fd in defs:
            cached = getattr(fd, "cached", None)
            if cached is not None and cached[2] is not None:
                try:
                    fd.finish()
                except BaseException:  # noqa: B902 - its teardown error was the attempt's
                    fd.cached = None
