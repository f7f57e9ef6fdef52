"""pytest's logging plugin: the report handler, ``--log-file`` and live logging.

Live logging (``--log-cli-level``, ``log_cli = true``) cannot write to a terminal here:
the worker collects each test's records per phase and sends them with the test's result
(``live_log``); the controller prints them as pytest does, around the test's -v line.
Records outside a test (collection, session teardown) go with the next result, or in
an ``info`` frame at shutdown.
"""
import logging
import os

DEFAULT_LOG_FORMAT = "%(levelname)-8s %(name)s:%(filename)s:%(lineno)d %(message)s"
DEFAULT_LOG_DATE_FORMAT = "%H:%M:%S"


class LogHandler(logging.Handler):
    """Keeps records; formats them only when asked."""

    def __init__(self):
        logging.Handler.__init__(self, 0)
        self.records = []
        self.setFormatter(logging.Formatter(DEFAULT_LOG_FORMAT))

    def emit(self, record):
        self.records.append(record)

    def reset(self):
        self.records = []

    def text(self):
        out = []
        for r in self.records:
            try:
                out.append(self.format(r))
            except Exception as e:
                out.append("<unformattable log record: %r>" % (e,))
        return "\n".join(out) + ("\n" if out else "")

    def handleError(self, record):
        raise


class LiveLogHandler(logging.Handler):
    """pytest's _LiveLoggingStreamHandler, buffered: ``[when, text]`` sections, one per
    run of records in the same phase, in order."""

    def __init__(self, formatter, level):
        logging.Handler.__init__(self, level)
        self.setFormatter(formatter)
        self.when = "collection"
        self.sections = []

    def emit(self, record):
        try:
            text = self.format(record) + "\n"
        except Exception:  # pytest: "Handled by LogCaptureHandler"
            return
        if self.sections and self.sections[-1][0] == self.when:
            self.sections[-1][1] += text
        else:
            self.sections.append([self.when, text])

    def take(self):
        out, self.sections = self.sections, []
        return out

    def handleError(self, record):
        pass


def setting(config, name):
    """``--log-*`` option, else the ini value of the same name (pytest's get_option_ini)."""
    value = getattr(config.option, name, None)
    return value if value not in (None, "") else config.ini.get(name)


def formatter(config, prefix="log"):
    """pytest's formats: ``log_cli_*`` fall back to ``log_*``; ``log_file_format`` and
    ``log_file_date_format`` have their own ini defaults, so they never do."""
    fmt = setting(config, prefix + "_format")
    datefmt = setting(config, prefix + "_date_format")
    if prefix != "log_file":
        fmt = fmt or setting(config, "log_format")
        datefmt = datefmt or setting(config, "log_date_format")
    return logging.Formatter(fmt or DEFAULT_LOG_FORMAT, datefmt or DEFAULT_LOG_DATE_FORMAT)


def level(v):
    if not v:
        return 0
    try:
        return int(v)
    except ValueError:
        return logging.getLevelName(str(v).upper()) if isinstance(
            logging.getLevelName(str(v).upper()), int) else 0


def _truthy(v):
    if isinstance(v, bool):
        return v
    return str(v or "").strip().lower() in ("y", "yes", "t", "true", "on", "1")


def live_enabled(config):
    """pytest's _log_cli_enabled: ``--log-cli-level`` given or ``log_cli`` true."""
    return getattr(config.option, "log_cli_level", None) not in (None, "") or _truthy(
        config.ini.get("log_cli"))


def _lower_root(lvl):
    # pytest's catching_logs: min(root's level, the handler's), so a NOTSET root stays NOTSET.
    root = logging.getLogger()
    if lvl:
        root.setLevel(min(root.level, lvl))


def attach(config, handler, report_level):
    """The report handler on the root logger (its level lowered to ``log_level`` as
    pytest's catching_logs does), ``--log-file``'s handler, and the live handler.
    Returns the live handler (None when live logging is off)."""
    root = logging.getLogger()
    root.addHandler(handler)
    _lower_root(report_level)
    _attach_file(config)
    live_level = level(setting(config, "log_cli_level") or setting(config, "log_level"))
    # pytest wraps collection and the test loop in catching_logs of its live handler with
    # that level even when live logging is off (a null handler): the root logger's level
    # comes down all the same, so caplog and the report see those records.
    _lower_root(live_level)
    if not live_enabled(config) or getattr(config.option, "collectonly", False):
        return None
    live = LiveLogHandler(formatter(config, "log_cli"), live_level)
    root.addHandler(live)
    _lower_root(live_level)
    return live


def _attach_file(config):
    # pytest's file handler always exists (os.devnull without log_file): its level lowers
    # the root logger's either way.
    _lower_root(level(setting(config, "log_file_level")))
    log_file = setting(config, "log_file")
    if not log_file:
        return
    path = os.path.join(config.invocation_dir, log_file)
    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        # The controller truncated the file at the start of the run; workers append.
        fh = logging.FileHandler(path, mode="a", encoding="UTF-8")
    except OSError:
        return
    fh.setFormatter(formatter(config, "log_file"))
    # pytest: no level of its own unless log_file_level (then the root logger decides).
    file_level = level(setting(config, "log_file_level"))
    fh.setLevel(file_level)
    fh.handleError = lambda record: None
    root = logging.getLogger()
    root.addHandler(fh)
