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
# The (major, minor) of the pytest import_pytest() accepted.
VERSION = (0, 0)


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
    global VERSION
    VERSION = v
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


def load_conftests(config, directory):
    """Import and register the conftests from the filesystem root down to ``directory``
    (a ``Path``), as pytest's collection walk does on reaching it: 7.x through
    ``_getconftestmodules`` (``Session.gethookproxy``, ``_collectfile``), 8.x through
    ``_loadconftestmodules`` (``pytest_make_collect_report`` of a ``Directory``, 8.1 with
    the ``consider_namespace_packages`` ini). Registering calls the historic
    ``pytest_configure`` of each new one. Raises what pytest's walk would meet (a
    ``ConftestImportFailure``, a raising ``pytest_configure``)."""
    pm = config.pluginmanager
    mode = config.getoption("importmode")
    if VERSION >= (8, 0):
        kw = {}
        try:
            kw["consider_namespace_packages"] = config.getini("consider_namespace_packages")
        except ValueError:
            pass  # 8.0: no such ini, nor keyword
        pm._loadconftestmodules(directory, mode, config.rootpath, **kw)
    else:
        pm._getconftestmodules(directory, mode, rootpath=config.rootpath)


def do_configure(config):
    config._do_configure()


# cacheprovider's plugins whose cache entries the controller keeps for the whole run
# (``cache/lastfailed``, ``cache/nodeids``): a worker saw only its own batches, and its
# write at sessionfinish would replace the run's list with its share (xdist's workers skip
# the write through ``config.workerinput``, which this engine does not fake: plugins would
# take the worker for an xdist one). Plugins' own ``config.cache`` keys are untouched.
_CONTROLLER_CACHE_PLUGINS = ("lfplugin", "nfplugin")


def drop_controller_cache_plugins(config):
    pm = config.pluginmanager
    for name in _CONTROLLER_CACHE_PLUGINS:
        plugin = pm.get_plugin(name)
        if plugin is not None:
            pm.unregister(plugin, name)


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


def fixtures_text(config, session):
    """``pytest --fixtures``' listing as text: the "collected N items" line, then what
    ``_showfixtures_main`` (_pytest/python.py) writes after its whole-suite collection
    (every fixture the fixture manager knows, sorted by plugin appearance), no markup."""
    import io
    import sys
    from _pytest.python import _showfixtures_main
    # Collect first: the capture manager puts its own sys.stdout back after each file.
    session.perform_collect()
    session.perform_collect = lambda *a, **k: session.items
    fm = session._fixturemanager
    saved = fm._arg2fixturedefs
    # The engine's own stand-ins (worker_id, record_xml_attribute, ...) are not listed:
    # pytest lists xdist's and junitxml's, which they shadow.
    fm._arg2fixturedefs = {k: [d for d in v if not _engine_fixture(d)] for k, v in saved.items()}
    buf = io.StringIO()
    old = sys.stdout
    sys.stdout = buf  # create_terminal_writer writes to the sys.stdout of the call
    try:
        _showfixtures_main(config, session)
    finally:
        sys.stdout = old
        del session.perform_collect
        fm._arg2fixturedefs = saved
    n = len(session.items)
    return "collected %d item%s\n%s" % (n, "" if n == 1 else "s", buf.getvalue())


def fixtures_per_test_text(config, items):
    """``pytest --fixtures-per-test``'s sections for ``items`` (one batch's, in run
    order): what ``_show_fixtures_per_test`` (_pytest/python.py) writes, handed the
    batch's items instead of its own whole-suite collection, no markup. A fixture the
    engine serves in place of xdist's or junitxml's is shown as theirs."""
    import io
    import sys
    from _pytest.python import _show_fixtures_per_test

    class _Collected:
        def __init__(self, items):
            self.items = items

        def perform_collect(self):
            return self.items

    saved = []
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        defs = getattr(info, "name2fixturedefs", None)
        if not defs:
            continue
        saved.append((info, defs))
        info.name2fixturedefs = {k: [d for d in v if not _engine_fixture(d)] or v for k, v in defs.items()}
    buf = io.StringIO()
    old = sys.stdout
    sys.stdout = buf  # create_terminal_writer writes to the sys.stdout of the call
    try:
        _show_fixtures_per_test(config, _Collected(items))
    finally:
        sys.stdout = old
        for info, defs in saved:
            info.name2fixturedefs = defs
    return buf.getvalue()


def _engine_fixture(fixturedef):
    return getattr(fixturedef.func, "__module__", "").startswith("fastest_worker.")


class collected_as_walked:
    """``perform_collect([path])`` as pytest's directory walk meets the file rather than
    as an argument (``walked``): ``Session.isinitpath`` says no for it, so the python
    plugin keeps to ``python_files`` (an argument's .py file is always a Module), the
    doctest plugin to ``--doctest-glob`` (an argument's .txt/.rst is always a doctest
    file), assertion rewriting to the files the walk rewrites, and ``_collectfile`` asks
    ``pytest_ignore_collect``. pytest 8's ``with_parents`` keyword is passed through."""

    def __init__(self, session, path, walked=True):
        self.session = session
        self.path = str(path)
        self.walked = walked

    def __enter__(self):
        if not self.walked:
            return self
        real = self.session.isinitpath
        target = self.path

        def isinitpath(path, *args, **kwargs):
            if str(path) == target:
                return False
            return real(path, *args, **kwargs)

        self.session.isinitpath = isinitpath
        return self

    def __exit__(self, *exc):
        if self.walked:
            del self.session.isinitpath
        return False


def collect_package_init(session, path):
    """A package's ``__init__.py`` as a whole-tree collection meets it: the file
    collectors ``pytest_collect_file`` gives for it with the session as their parent
    (``--doctest-modules``' DoctestModule; the Package, which the walk descends into
    separately, is left out), then their items, ``pytest_collection_modifyitems`` and
    ``pytest_collection_finish`` as ``perform_collect`` runs them; with ``python_files``
    matching ``__init__.py``, first the Module its Package yields. ``perform_collect``
    on the file itself would collect the Package's first node instead (pytest's rule
    for an ``__init__.py`` argument), which is another module of the package."""
    import pytest
    from _pytest.pathlib import fnmatch_ex
    config = session.config
    own_module = any(fnmatch_ex(p, path) for p in config.getini("python_files"))
    if VERSION >= (8, 0):
        return _collect_package_init_8(session, path, own_module)
    cols = []
    for c in session._collectfile(path, handle_dupes=False):
        if not isinstance(c, pytest.Package):
            cols.append(c)
        elif own_module:
            # python_files matches __init__.py: the Package yields it as a Module first.
            first = next(iter(c.collect()), None)
            if isinstance(first, pytest.Module) and str(first.path) == str(path):
                cols.append(first)
    items = []
    for col in cols:
        items.extend(session.genitems(col))
    config.hook.pytest_collection_modifyitems(session=session, config=config, items=items)
    config.hook.pytest_collection_finish(session=session)
    session.items = items
    session.testscollected = len(items)
    return items


def _collect_package_init_8(session, path, own_module):
    """pytest 8: ``Session._collectfile`` is gone, a Package is a Directory (no longer
    the ``__init__.py`` Module), and an ``__init__.py`` argument collects that file only
    (pytest #11042): ``perform_collect`` gives the file collectors a whole-tree walk
    meets, under their Package, plus the Module an argument always gets (an initial
    path skips the ``python_files`` check), which the walk has only when
    ``python_files`` matches ``__init__.py``."""
    import pytest
    items = list(session.perform_collect([str(path)], genitems=True))
    if own_module:
        return items
    kept = []
    for it in items:
        mod = it.getparent(pytest.Module)
        # DoctestModule subclasses Module; only the plain Module is the argument's extra.
        if mod is None or type(mod) is not pytest.Module:
            kept.append(it)
    session.items = kept
    session.testscollected = len(kept)
    return kept


def drop_failed_fixtures(item):
    """Forget the cached error of every fixture of ``item`` whose setup raised, so the
    next attempt sets it up again (``cached_result`` is ``(value, key, error)``; the
    error is an exc_info tuple in pytest 7, the exception in 8)."""
    info = getattr(item, "_fixtureinfo", None)
    for defs in getattr(info, "name2fixturedefs", {}).values():
        for fd in defs:
            cached = getattr(fd, "cached_result", None)
            if cached is not None and len(cached) > 2 and cached[2]:
                fd.cached_result = None


def unset_shouldfail(session):
    """Take back ``session.shouldfail`` (a failed attempt that runs again is not a
    failure yet). pytest 8 refuses to unset the public property (it warns and keeps
    it), so its backing field is cleared there."""
    if "_shouldfail" in vars(session):
        session._shouldfail = False
    else:
        session.shouldfail = False


def swap_live_log_handler(config, make):
    """Replace the logging plugin's live handler (``_LiveLoggingStreamHandler``, which
    writes to the terminal reporter) by ``make(formatter)`` with its formatter; returns
    ``(handler, log_cli_level)``, or None when live logging is off."""
    plugin = config.pluginmanager.get_plugin("logging-plugin")
    if plugin is None:
        return None
    from _pytest.logging import _LiveLoggingStreamHandler
    old = getattr(plugin, "log_cli_handler", None)
    if not isinstance(old, _LiveLoggingStreamHandler):
        return None
    new = make(old.formatter)
    plugin.log_cli_handler = new
    return new, plugin.log_cli_level


def catching_logs(handler, level):
    """pytest's context manager that puts ``handler`` on the root logger (and lowers
    the root's level to ``level``), as its runtest loop does for the live handler."""
    from _pytest.logging import catching_logs as cl
    return cl(handler, level=level)


def collection_warnings(config):
    """What pytest's warnings plugin wraps its whole-session ``pytest_collection`` in:
    ``-W``/``filterwarnings`` apply to the imports of collection (an ``error`` filter
    makes an import-time warning the module's collection error) and what is caught is
    recorded with ``when="collect"``. A batch's collection runs under it too. Nothing
    with ``-p no:warnings``."""
    import contextlib
    if config.pluginmanager.get_plugin("warnings") is None:
        return contextlib.nullcontext()
    from _pytest.warnings import catch_warnings_for_item
    return catch_warnings_for_item(config, ihook=config.hook, when="collect", item=None)


class terminal_writing_to:
    """The terminal reporter's writer (``_tw``) replaced by a plain one on ``file`` for
    the ``with`` block, so its ``write_line``/``write_sep``/``section`` land there."""

    def __init__(self, reporter, file):
        self.reporter = reporter
        self.file = file
        self.saved = None

    def __enter__(self):
        self.saved = self.reporter._tw
        self.reporter._tw = plain_terminal_writer(self.file)
        return self

    def __exit__(self, *exc):
        self.reporter._tw = self.saved
        return False


def add_stats(reporter, category, items):
    """What the terminal reporter's own hooks add to its ``stats``."""
    reporter._add_stats(category, items)


class _Deselected:
    """A deselected item of another worker: summaries count them (``len(stats[...])``)."""

    def __init__(self, nodeid):
        self.nodeid = nodeid


def export_stats(config, reporter):
    """The reporter's ``stats`` as JSON-ready entries ``[category, kind, data]``, in its
    order: reports as pytest serializes them for xdist (``pytest_report_to_serializable``),
    warnings as their three fields, other entries (deselected items) by node id. The
    ``""`` category (passing setup and teardown phases) is left out: summaries do not
    read it, and it is two thirds of the reports."""
    from _pytest.reports import BaseReport
    from _pytest.terminal import WarningReport
    out = []
    for category, items in reporter.stats.items():
        if not category:
            continue
        for it in items:
            if isinstance(it, BaseReport):
                data = config.hook.pytest_report_to_serializable(config=config, report=it)
                if data is not None:
                    out.append([category, "r", data])
            elif isinstance(it, WarningReport):
                loc = list(it.fslocation) if it.fslocation else None
                out.append([category, "w", [it.message, it.nodeid, loc]])
            elif getattr(it, "nodeid", None) is not None:
                out.append([category, "n", it.nodeid])
    return out


def replace_stats(config, reporter, parts):
    """``stats`` rebuilt from every worker's ``export_stats`` entries, in ``parts``'
    order (the same in every worker), as xdist's controller has them. Returns each
    part's test reports (not its collection reports), in its entries' order."""
    from _pytest.reports import TestReport
    from _pytest.terminal import WarningReport
    reporter.stats = {}
    tests = []
    for entries in parts:
        tests.append([])
        for category, kind, data in entries:
            if kind == "r":
                item = config.hook.pytest_report_from_serializable(config=config, data=data)
                if item is None:
                    continue
                if isinstance(item, TestReport):
                    tests[-1].append(item)
            elif kind == "w":
                item = WarningReport(message=data[0], nodeid=data[1],
                                     fslocation=tuple(data[2]) if data[2] else None)
            else:
                item = _Deselected(data)
            reporter._add_stats(category, [item])
    return tests


class HookProxyCache:
    """``session.gethookproxy(path)`` answered once per path (``item.ihook`` asks it about
    a dozen times per test: a ``stat`` of the path, a set difference and, when some
    conftest does not apply there, a new proxy whose subset hook callers are built again
    on each call). The answer only changes when a plugin is registered (a conftest, whose
    hooks apply below its directory, or any plugin, which subset callers built before
    would miss): ``clear()`` then."""

    def __init__(self, session):
        self.proxies = {}
        self.orig = getattr(session, "gethookproxy", None)
        if self.orig is not None:
            session.gethookproxy = self.gethookproxy

    def gethookproxy(self, fspath):
        try:
            return self.proxies[fspath]
        except (KeyError, TypeError):
            pass
        proxy = self.orig(fspath)
        try:
            self.proxies[fspath] = proxy
        except TypeError:
            pass
        return proxy

    def clear(self):
        self.proxies.clear()


def fd_capturing_now(config):
    """Whether pytest's fd-level capture is on at this moment (inside a test's phase, not
    suspended): what pytest's terminal writer writes then (its file is the original
    stdout, fd 1) lands in the test's captured stdout."""
    capman = config.pluginmanager.get_plugin("capturemanager")
    if capman is None or getattr(capman, "_method", None) != "fd":
        return False
    cap = getattr(capman, "_global_capturing", None)
    return cap is not None and getattr(cap, "_state", None) == "started" and not getattr(
        cap, "_in_suspended", False)
