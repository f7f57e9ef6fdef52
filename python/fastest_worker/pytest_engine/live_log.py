"""Live logging (``--log-cli-level``, ``log_cli``) under the pytest engine.

pytest's logging plugin writes live records to the terminal reporter, which a worker
does not own. Its live handler is swapped for one that keeps ``[phase, text]``
sections (the phases pytest's plugin sets: ``sessionstart``, ``collection``,
``start``, ``setup``, ``call``, ``teardown``, ``finish``, ``sessionfinish``),
formatted by pytest's own live formatter (``log_cli_format``, auto-indent, colour),
so each test's result carries its records as ``live_log`` and the controller prints
them as pytest's terminal does (docs/protocol.md).
"""
from .. import logs
from .. import report
from . import pytest_compat as compat


class _Handler(logs.LiveLogHandler):
    """What the logging plugin calls on its live handler, buffered."""

    def __init__(self, formatter):
        logs.LiveLogHandler.__init__(self, formatter, 0)
        self.when = None

    def reset(self):
        pass

    def set_when(self, when):
        self.when = when

    def emit(self, record):
        if self.when is None:
            self.when = "collection"
        logs.LiveLogHandler.emit(self, record)


class LiveLog:
    """The swapped handler, on the root logger from ``open`` to ``close`` (pytest
    keeps it there for its whole test loop, the engine's batches)."""

    def __init__(self, config):
        self.handler = None
        self.level = None
        self._ctx = None
        self._pending = (None, [])  # (batch, sections) of a batch's collection
        if config is None or getattr(config.option, "collectonly", False):
            return
        got = compat.swap_live_log_handler(config, _Handler)
        if got is None:
            return
        self.handler, self.level = got
        # pytest's runtest loop turns -v on for live logging (its progress output);
        # assertion diffs and the like read the same verbosity.
        if config.getoption("verbose") < 1:
            config.option.verbose = 1

    def open(self):
        if self.handler is not None and self._ctx is None:
            self._ctx = compat.catching_logs(self.handler, self.level)
            self._ctx.__enter__()

    def close(self):
        if self._ctx is not None:
            ctx, self._ctx = self._ctx, None
            ctx.__exit__(None, None, None)

    def collecting(self):
        if self.handler is not None:
            self.handler.set_when("collection")

    def collected(self, batch):
        """Records so far (a module's import among them) go with ``batch``'s first
        result, not with a held test of the batch before that runs first."""
        if self.handler is not None and self.handler.sections:
            self._pending = (batch, self._pending[1] + self.handler.take())

    def take(self, batch):
        """The sections for a result of ``batch`` since the last take, or None."""
        if self.handler is None:
            return None
        out = self.handler.take()
        if self._pending[0] == batch:
            out = self._pending[1] + out
            self._pending = (None, [])
        return out or None

    def leftover_text(self):
        """Records after the last test (session teardown) as one ``info`` text."""
        sections = self._pending[1] + (self.handler.take() if self.handler is not None else [])
        self._pending = (None, [])
        if not sections:
            return ""
        return "".join(report.sep("-", "live log " + when) + "\n" + text for when, text in sections)
