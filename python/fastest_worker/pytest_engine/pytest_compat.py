"""Every private pytest API the pytest engine touches, behind one version check.

The rest of the engine uses only pytest's public API (``pytest.*``, hooks, report
attributes). What pytest keeps private but the engine needs (building a Config from
an argument list, configuring it, tearing the setup stack down to a given item) lives
here, so a new pytest release breaks one module, not the engine.
"""
import os

MIN_VERSION = (7, 0)
# The newest major this module was written against; newer ones are refused rather than
# half-run (their private APIs may have moved).
MAX_MAJOR = 8


class Unsupported(Exception):
    """pytest is missing or of a version this module does not know."""


def parse_version(text):
    parts = []
    for piece in str(text).split(".")[:2]:
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        parts.append(int(digits) if digits else 0)
    while len(parts) < 2:
        parts.append(0)
    return tuple(parts)


def import_pytest():
    """The user's pytest module; raises Unsupported naming what was found."""
    try:
        import pytest
    except Exception as e:  # ImportError, or a broken install raising anything
        raise Unsupported("the pytest engine needs pytest >= 7.0, but 'import pytest' failed: "
                          "%s: %s" % (type(e).__name__, e))
    version = getattr(pytest, "__version__", "unknown")
    v = parse_version(version)
    if v < MIN_VERSION or v[0] > MAX_MAJOR:
        raise Unsupported("the pytest engine supports pytest 7.0 to %d.x; found pytest %s (%s)"
                          % (MAX_MAJOR, version, os.path.dirname(pytest.__file__)))
    return pytest


def prepare_config(args, plugins):
    """A parsed Config (ini files, ``-p``, entry points, initial conftests), as
    ``pytest.main`` builds it before ``pytest_cmdline_main``."""
    from _pytest.config import _prepareconfig
    return _prepareconfig(list(args), list(plugins))


def conftest_import_failure_type():
    from _pytest.config import ConftestImportFailure
    return ConftestImportFailure


def conftest_import_failure_text(e):
    """What ``pytest.main`` prints for a conftest that fails to import."""
    import pytest
    from _pytest.config import filter_traceback_for_conftest_import_failure
    cause = getattr(e, "cause", None)  # pytest 8 keeps the exception, 7 an exc_info tuple
    if cause is not None:
        exc_info = pytest.ExceptionInfo.from_exc_info((type(cause), cause, cause.__traceback__))
    else:
        exc_info = pytest.ExceptionInfo.from_exc_info(e.excinfo)
    exc_info.traceback = exc_info.traceback.filter(filter_traceback_for_conftest_import_failure)
    if exc_info.traceback:
        text = str(exc_info.getrepr(style="short", chain=False))
    else:
        text = exc_info.exconly()
    lines = ["ImportError while loading conftest '%s'." % (e.path,)]
    lines += [line.rstrip() for line in text.splitlines()]
    return "\n".join(lines)


def do_configure(config):
    config._do_configure()


def ensure_unconfigure(config):
    config._ensure_unconfigure()


def teardown_to(session, nextitem):
    """Finish every scope that ``nextitem`` (an item, a collector or None) does not
    share with what ran last, as ``pytest_runtest_teardown`` would have."""
    session._setupstate.teardown_exact(nextitem)


def plain_terminal_writer(file):
    """pytest's TerminalWriter on ``file``, without markup (the controller prints
    ``info`` text as it is)."""
    from _pytest._io import TerminalWriter
    tw = TerminalWriter(file=file)
    tw.hasmarkup = False
    return tw


def apply_cmdline_main_flags(config):
    """What pytest's own ``pytest_cmdline_main`` implementations change before the
    session (the engine does not call that hook, whose last implementation runs a
    whole session): ``--setup-plan`` implies ``--setup-only``, which implies
    ``--setup-show`` (_pytest/setupplan.py, _pytest/setuponly.py)."""
    opt = config.option
    if getattr(opt, "setupplan", False):
        opt.setuponly = True
        opt.setupshow = True
    if getattr(opt, "setuponly", False):
        opt.setupshow = True


def markers_text(config):
    """``pytest --markers``'s listing (_pytest/mark/__init__.py), as text."""
    import io
    buf = io.StringIO()
    tw = plain_terminal_writer(buf)
    for line in config.getini("markers"):
        parts = line.split(":", 1)
        name = parts[0]
        rest = parts[1] if len(parts) == 2 else ""
        tw.write("@pytest.mark.%s:" % name)
        tw.line(rest)
        tw.line()
    return buf.getvalue()
