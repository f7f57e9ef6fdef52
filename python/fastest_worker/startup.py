"""Worker start-up, in pytest's order: ``-p`` plugins, the initial conftests, the
options conftests add (parsed out of ``config.args``), ``pytest_configure``,
``pytest_sessionstart``, the warning filters, the report header.

A session-level error raises ``Fatal`` with pytest's message and exit code; the
worker sends it as a ``fatal`` frame and exits (docs/protocol.md).
"""
import os

from . import compat
from .hooks import call_configure, call_hook, option_dest


class Fatal(Exception):
    def __init__(self, exit_code, message):
        Exception.__init__(self, message)
        self.exit_code = exit_code
        self.message = message


# pytest 7.2's own command-line options (core and builtin plugins), so that the
# conftest options can be told apart from them in ``config.args``.
_VALUE_OPTS = (
    "--assert --basetemp --cache-show --capture --code-highlight --color --confcutdir "
    "--deselect --doctest-glob --doctest-report --durations --durations-min --ignore "
    "--ignore-glob --import-mode --junit-prefix --junit-xml --junitprefix --junitxml "
    "--last-failed-no-failures --lfnf --log-auto-indent --log-cli-date-format "
    "--log-cli-format --log-cli-level --log-date-format --log-file --log-file-date-format "
    "--log-file-format --log-file-level --log-format --log-level --maxfail --override-ini "
    "--pastebin --pdbcls --pythonwarnings --rootdir --show-capture --tb --verbosity -W -c -k "
    "-m -o -p -r --config-file "
    # pytest-xdist's, in case the controller passes them on
    "-n --numprocesses --maxprocesses --max-worker-restart --dist --tx --rsyncdir "
    "--rsyncignore").split()
_FLAG_OPTS = (
    "--cache-clear --co --collect-in-virtualenv --collect-only --collectonly "
    "--continue-on-collection-errors --disable-pytest-warnings --disable-warnings "
    "--doctest-continue-on-failure --doctest-ignore-import-errors --doctest-modules "
    "--exitfirst --failed-first --ff --fixtures --fixtures-per-test --full-trace --fulltrace "
    "--funcargs --help --keep-duplicates --keepduplicates --last-failed --lf --markers "
    "--new-first --nf --no-header --no-showlocals --no-summary --noconftest --pdb --pyargs "
    "--quiet --runxfail --setup-only --setup-plan --setup-show --setuponly --setupplan "
    "--setupshow --showlocals --stepwise --stepwise-skip --strict --strict-config "
    "--strict-markers --sw --sw-skip --trace --trace-config --traceconfig --verbose "
    "--version -V -h -l -q -s -v -x -d --looponfail -f --boxed").split()

_FLAG_SET = frozenset(_FLAG_OPTS)
_VALUE_SET = frozenset(_VALUE_OPTS)

_TYPES = {"int": int, "string": str, "str": str, "float": float, "complex": complex}


def build_parser(config):
    """argparse parser with pytest's options (values discarded) and the conftests' ones."""
    import argparse  # only when there are options to parse (gettext with it: ~2 ms at start-up)
    p = argparse.ArgumentParser(prog="pytest", add_help=False, allow_abbrev=False,
                                conflict_handler="resolve")
    p.error = _usage_error
    for i, flag in enumerate(_VALUE_OPTS):
        p.add_argument(flag, dest="_pytest_%d" % i, action="append")
    p.add_argument("--debug", dest="_pytest_debug", nargs="?", const="pytestdebug.log")
    for i, flag in enumerate(_FLAG_OPTS):
        p.add_argument(flag, dest="_pytest_f%d" % i, action="count")
    for opts, attrs in config._conftest_options:
        attrs = {k: v for k, v in attrs.items() if k != "help" or isinstance(v, str)}
        attrs["dest"] = option_dest(opts, attrs)
        if isinstance(attrs.get("type"), str):
            attrs["type"] = _TYPES.get(attrs["type"], str)
        attrs.pop("default", None)
        attrs["default"] = argparse.SUPPRESS
        try:
            p.add_argument(*opts, **attrs)
        except (TypeError, ValueError, argparse.ArgumentError) as e:
            raise Fatal(4, "ERROR: %s\n" % (e,))
    return p


def _usage_error(message):
    raise Fatal(4, "ERROR: usage: pytest [options] [file_or_dir] [file_or_dir] [...]\n"
                   "pytest: error: %s\n" % message)


def _only_pytest_options(args):
    """True when every option in ``args`` is one of pytest's own, written whole (``-q``,
    ``-k EXPR``): then argparse would set nothing and refuse nothing. Anything else
    (joined short flags, ``--opt=value``, ``--``, a conftest's option) goes to argparse."""
    i = 0
    while i < len(args):
        a = args[i]
        if a in _FLAG_SET:
            i += 1
        elif a in _VALUE_SET and i + 1 < len(args) and not args[i + 1].startswith("-"):
            i += 2
        elif a.startswith("-"):
            return False
        else:
            i += 1
    return True


def parse_conftest_options(config):
    """Values of conftest-added options from ``config.args`` into ``config.option``."""
    if not config.args:
        return
    if not config._conftest_options and _only_pytest_options(config.args):
        return  # no parser to build (argparse and ~150 options: ~3 ms per worker)
    parser = build_parser(config)
    ns, rest = parser.parse_known_args(list(config.args))
    unknown = [a for a in rest if a.startswith("-") and a != "-"]
    if unknown:
        inifile = config.ini.get("__inifile__") or None
        _usage_error_extra("unrecognized arguments: %s" % " ".join(unknown),
                           inifile, config.rootdir_str)
    for k, v in vars(ns).items():
        if not k.startswith("_pytest_"):
            setattr(config.option, k, v)


def _usage_error_extra(msg, inifile, rootdir):
    raise Fatal(4, "ERROR: usage: pytest [options] [file_or_dir] [file_or_dir] [...]\n"
                   "pytest: error: %s\n  inifile: %s\n  rootdir: %s\n" % (msg, inifile, rootdir))


def _positional_args(config):
    """Paths among ``config.args`` (values of pytest's own options left out)."""
    out = []
    args = list(config.args)
    value_opts = set(_VALUE_OPTS)
    i = 0
    while i < len(args):
        a = args[i]
        if a in value_opts:
            i += 2
            continue
        if not a.startswith("-") or a == "-":
            out.append(a)
        i += 1
    return out


def initial_conftest_dirs(config):
    """The directories whose conftest chains pytest loads before ``pytest_configure``."""
    base = config.invocation_dir
    anchors = []
    # Each path once (its first place): 10,000 node ids of 500 files (run_tests(discover()))
    # would stat every file 20 times. Loading a directory's conftests twice is a no-op.
    seen = set()
    for arg in _positional_args(config):
        path = arg.split("::", 1)[0]
        if path in seen:
            continue
        seen.add(path)
        anchor = os.path.normpath(os.path.join(base, path))
        if os.path.exists(anchor):
            anchors.append(anchor)
    if not anchors:
        anchors = [base]
    dirs = []
    for anchor in anchors:
        d = anchor if os.path.isdir(anchor) else os.path.dirname(anchor)
        dirs.append(d)
        if os.path.isdir(anchor):
            try:
                names = sorted(os.listdir(anchor))
            except OSError:
                names = []
            dirs.extend(os.path.join(anchor, n) for n in names
                        if n.startswith("test") and os.path.isdir(os.path.join(anchor, n)))
    return list(dict.fromkeys(dirs))


def start(run):
    """Everything pytest does before collecting; returns the report header lines."""
    config = run.config
    _check_minversion(config)
    for name in config.option.plugins or []:
        if not name.startswith("no:"):
            run.load_plugin_module(name)
    _check_required_plugins(run)
    if not config.option.noconftest:
        for d in initial_conftest_dirs(config):
            run.collector.load_initial_conftests(d)
    if run.fatal is not None:
        raise run.fatal
    if config._conftest_options and any(a.startswith("-") for a in config.args):
        try:
            parse_conftest_options(config)
        except Fatal:
            # Options of entry-point plugins are only known once those are loaded.
            if run.plugins_loaded or not run.has_entry_points():
                raise
            run.load_entry_point_plugins()
            if run.fatal is not None:
                raise run.fatal
            parse_conftest_options(config)
    elif any(a.startswith("-") for a in config.args):
        parse_conftest_options(config)
    run.configure_plugins()
    check_warning_filters(run)
    return report_header(run)


def _check_minversion(config):
    """pytest's first check, before any plugin is loaded (``Config._checkversion``)."""
    minver = config.ini.get("minversion")
    if not minver:
        return  # importlib.metadata (email, csv, zipfile, typing): ~15 ms, only when asked
    from . import versions
    msg = versions.check_minversion(minver, config.inipath, versions.installed_version("pytest"))
    if msg:
        raise Fatal(4, "ERROR: %s\n" % msg)


def _check_required_plugins(run):
    """``required_plugins`` against the distributions of the entry-point plugins pytest
    registers (``Config._validate_plugins``): none under PYTEST_DISABLE_PLUGIN_AUTOLOAD,
    none blocked by ``-p no:``."""
    required = run.config.getini("required_plugins")
    if not required:
        return
    from . import versions
    disabled = run.config.disabled_plugins
    plugins = {}
    for ep in run._entry_points():
        if ep.name in disabled or ep.value.split(":")[0] in disabled:
            continue
        dist = getattr(ep, "dist", None)
        if dist is not None:
            plugins[dist.metadata["Name"]] = dist.version
    msg = versions.check_required_plugins(required, plugins)
    if msg:
        raise Fatal(4, "ERROR: %s\n" % msg)


def check_warning_filters(run):
    """pytest parses the ``filterwarnings`` ini lines and ``-W`` before collecting."""
    from .marks import parse_warning_filter, UsageError
    if not run.warnings_enabled:
        return
    try:
        for arg in run.ini_filters():
            parse_warning_filter(arg, escape=False)
        for arg in run.config.option.pythonwarnings or []:
            parse_warning_filter(arg, escape=True)
    except UsageError as e:
        raise Fatal(4, "ERROR: %s\n" % e)


def report_header(run):
    lines = []
    config = run.config
    # pytest's terminal reporter asks for the header only when it prints one.
    if config.verbose < 0 or getattr(config.option, "no_header", False):
        return lines
    start_path = config.invocation_params.dir
    for mod in run.plugin_modules():
        fn = getattr(mod, "pytest_report_header", None)
        if fn is None:
            continue
        try:
            res = call_hook(fn, config=config, start_path=start_path,
                            startdir=_legacy(start_path))
        except Exception as e:
            raise configure_error(e, "pytest_report_header") from None
        if res is None:
            continue
        if isinstance(res, str):
            lines.append(res)
        else:
            lines.extend(str(x) for x in _flatten(res))
    return lines


def _flatten(values):
    for v in values:
        if isinstance(v, (list, tuple)):
            yield from _flatten(v)
        else:
            yield v


def _legacy(path):
    from .nodes import _legacy_path
    return _legacy_path(path)


def configure_error(e, where):
    """What pytest prints for an exception out of ``pytest_configure`` & co."""
    _, _, _, exit_t = compat.outcome_types()
    if isinstance(e, exit_t):
        code = getattr(e, "returncode", None)
        return Fatal(2 if code is None else int(code), "Exit: %s\n" % (getattr(e, "msg", e),))
    from .report import format_exception
    text = format_exception(e)
    return Fatal(3, "".join("INTERNALERROR> %s\n" % line for line in text.splitlines()))


def plugin_import_error(name, e):
    """pytest's uncaught ``ImportError: Error importing plugin ...`` (exit status 1)."""
    from .report import format_exception
    text = format_exception(e)
    return Fatal(1, "%s\n\nThe above exception was the direct cause of the following "
                    "exception:\n\nImportError: Error importing plugin \"%s\": %s\n"
                 % (text, name, e))


def conftest_import_error(path, e, cwd):
    """pytest's ``ImportError while loading conftest`` usage error (exit 4)."""
    from .report import format_short_traceback
    return Fatal(4, "ImportError while loading conftest '%s'.\n%s\n"
                 % (path, format_short_traceback(e, cwd, importlib=False)))


def call_sessionstart(run):
    for mod in list(run.plugin_modules()):
        fn = getattr(mod, "pytest_sessionstart", None)
        if fn is not None:
            try:
                call_hook(fn, session=run.session)
            except BaseException as e:  # noqa: B902
                if isinstance(e, KeyboardInterrupt):
                    raise
                raise configure_error(e, "pytest_sessionstart")


def configure_all(run, modules):
    """pytest_configure of the plugins and initial conftests, last registered first."""
    for mod in reversed(modules):
        try:
            call_configure(mod, run.config)
        except BaseException as e:  # noqa: B902
            if isinstance(e, KeyboardInterrupt):
                raise
            raise configure_error(e, "pytest_configure")
