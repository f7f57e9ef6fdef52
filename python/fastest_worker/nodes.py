"""Test items, their parents, and the config object tests see."""
import os
import pathlib

from . import compat

SCOPES = ("session", "package", "module", "class", "function")
SCOPE_INDEX = {s: i for i, s in enumerate(SCOPES)}
FUNCTION = 4


class Node:
    """A module or class node, as ``request.node`` shows it."""

    def __init__(self, name, nodeid, path, obj, parent, own_marks):
        self.name = name
        self.nodeid = nodeid
        self.path = path
        self.obj = obj
        self.parent = parent
        self.own_markers = own_marks
        self.extra_keyword_matches = set()
        self.keywords = kw = NodeKeywords()
        kw.node = self
        self.session = None
        self.config = None
        self.hooks = {}
        self.stash = {}

    @property
    def fspath(self):
        return _legacy_path(self.path)

    def listchain(self):
        chain = []
        node = self
        while node is not None:
            chain.append(node)
            node = node.parent
        chain.reverse()
        return chain

    def iter_markers(self, name=None):
        node = self
        while node is not None:
            for m in node.own_markers:
                if name is None or m.name == name:
                    yield m
            node = node.parent

    def iter_markers_with_node(self, name=None):
        node = self
        while node is not None:
            for m in node.own_markers:
                if name is None or m.name == name:
                    yield node, m
            node = node.parent

    def get_closest_marker(self, name, default=None):
        return next(self.iter_markers(name), default)

    def add_marker(self, marker, append=True):
        marker = getattr(marker, "mark", marker)
        if isinstance(marker, str):
            marker = compat.Mark(marker)
        if append:
            self.own_markers.append(marker)
        else:
            self.own_markers.insert(0, marker)
        self.keywords[marker.name] = marker

    def addfinalizer(self, fin):
        run = self.config._run if self.config is not None else None
        if run is not None:
            run.node_finalizer(self, fin)

    @property
    def ihook(self):
        return self.config.hook if self.config is not None else _HookRelay()

    def getparent(self, cls):
        """Closest node of type ``cls``; pytest's node classes match ours by name."""
        name = getattr(cls, "__name__", "")
        names = {name, "Item"} if name in ("Function", "Item") else {name}
        node = self
        while node is not None:
            if isinstance(node, cls) if isinstance(cls, type) and cls.__module__ == __name__ \
                    else type(node).__name__ in names:
                return node
            node = node.parent
        return None

    def warn(self, warning):
        """pytest's Node.warn: the warning is located at the node (an item's def line)."""
        import warnings
        line = getattr(self, "line", 0) or 1
        warnings.warn_explicit(warning, category=None, filename=str(self.path), lineno=line)

    def __repr__(self):
        return "<%s %s>" % (type(self).__name__, self.name)


class NodeKeywords(dict):
    """A node's keywords; lookups fall back to the parent's (pytest's NodeKeywords).
    ``node`` is set by the node right after (no Python ``__init__``: one per item)."""

    node = None

    def _parent(self):
        parent = self.node.parent
        return parent.keywords if parent is not None and isinstance(
            getattr(parent, "keywords", None), NodeKeywords) else None

    def __getitem__(self, key):
        try:
            return dict.__getitem__(self, key)
        except KeyError:
            parent = self._parent()
            if parent is None:
                raise
            return parent[key]

    def __contains__(self, key):
        if dict.__contains__(self, key):
            return True
        parent = self._parent()
        return parent is not None and key in parent

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def _seen(self):
        seen = set(dict.keys(self))
        parent = self._parent()
        if parent is not None:
            seen.update(parent._seen())
        return seen

    def __iter__(self):
        return iter(self._seen())

    def keys(self):
        return self._seen()

    def __len__(self):
        return len(self._seen())


class Module(Node):
    pass


class Class(Node):
    pass


def _legacy_path(path):
    try:
        import py
        return py.path.local(str(path))
    except Exception:
        return path


class Item(Node):
    """One test: a function, a method, or a unittest method."""

    def __init__(self, name, nodeid, parent, func, cls, callspec, marks, kind, line):
        # Node.__init__, inline (one Python call less per collected item).
        self.name = name
        self.nodeid = nodeid
        self.path = parent.path if parent else None
        self.obj = func
        self.parent = parent
        self.own_markers = marks
        self.extra_keyword_matches = set()
        self.keywords = kw = NodeKeywords()
        kw.node = self
        self.session = None
        self.config = None
        self.hooks = {}
        self.stash = {}
        self.originalname = name.split("[", 1)[0] if "[" in name else name
        self.function = func
        self.cls = cls
        self.callspec = callspec
        self.kind = kind  # "function" | "unittest"
        self.line = line
        self.fixturenames = ()
        self.argnames = ()
        self.chain = None
        self.instance = None
        self.funcargs = None
        if isinstance(parent, Module):
            self.module_node = parent
        elif isinstance(parent, Class) and isinstance(parent.parent, Module):
            self.module_node = parent.parent
        else:
            self.module_node = parent.getparent(Module)
        self.user_properties = []
        self.xml_attributes = []
        self._report_sections = []
        self.is_async = False

    @property
    def module(self):
        return self.module_node.obj

    @property
    def any_marks(self):
        node = self
        while node is not None:
            if node.own_markers:
                return True
            node = node.parent
        return False

    @property
    def location(self):
        return (self.module_node.relpath, self.line - 1 if self.line else None, self.nodeid)

    def reportinfo(self):
        return self.path, (self.line - 1 if self.line else 0), self.name

    def class_key(self):
        """Items with the same key share class-scope fixtures."""
        return self.parent if isinstance(self.parent, Class) else self

    def add_report_section(self, when, key, content):
        self._report_sections.append((when, key, content))


class CallSpec:
    """Parametrization of one item: direct args, fixture params, id."""

    __slots__ = ("funcargs", "params", "indices", "ids", "marks", "scopes")

    def __init__(self):
        self.funcargs = {}
        self.params = {}
        self.indices = {}
        self.ids = []
        self.marks = []
        self.scopes = {}

    def copy(self):
        c = CallSpec()
        c.funcargs = dict(self.funcargs)
        c.params = dict(self.params)
        c.indices = dict(self.indices)
        c.ids = list(self.ids)
        c.marks = list(self.marks)
        c.scopes = dict(self.scopes)
        return c

    @property
    def id(self):
        return "-".join(self.ids)

    def getparam(self, name):
        if name in self.funcargs:
            return self.funcargs[name]
        return self.params[name]


class _Options:
    def __init__(self, values):
        self.__dict__.update(values)


class _InvocationParams:
    """``config.invocation_params``: the pytest-equivalent args and the invocation dir."""

    def __init__(self, args, invocation_dir):
        self.args = tuple(args)
        self.plugins = None
        self.dir = pathlib.Path(invocation_dir)


# pytest 7.2's option strings whose dest is not argparse's default (``--tb`` ->
# ``tbstyle``), from its parser; the others' dest is the long name, dashes as underscores.
_PYTEST_OPTION_DESTS = {
    "--assert": "assertmode", "--cache-clear": "cacheclear", "--cache-show": "cacheshow",
    "--co": "collectonly", "--collect-only": "collectonly",
    "--disable-pytest-warnings": "disable_warnings", "--doctest-glob": "doctestglob",
    "--doctest-modules": "doctestmodules", "--doctest-report": "doctestreport",
    "--exitfirst": "maxfail", "--failed-first": "failedfirst", "--ff": "failedfirst",
    "--fixtures": "showfixtures", "--fixtures-per-test": "show_fixtures_per_test",
    "--full-trace": "fulltrace", "--funcargs": "showfixtures", "--import-mode": "importmode",
    "--junit-prefix": "junitprefix", "--junit-xml": "xmlpath", "--junitxml": "xmlpath",
    "--keep-duplicates": "keepduplicates", "--last-failed": "lf",
    "--lfnf": "last_failed_no_failures", "--new-first": "newfirst", "--nf": "newfirst",
    "--no-showlocals": "showlocals", "--pdb": "usepdb", "--pdbcls": "usepdb_cls",
    "--quiet": "verbose", "--setup-only": "setuponly", "--setup-plan": "setupplan",
    "--setup-show": "setupshow", "--show-capture": "showcapture", "--sw": "stepwise",
    "--sw-skip": "stepwise_skip", "--tb": "tbstyle", "--trace-config": "traceconfig",
    "--verbosity": "verbose", "-V": "version", "-W": "pythonwarnings", "-c": "inifilename",
    "-h": "help", "-k": "keyword", "-l": "showlocals", "-m": "markexpr", "-o": "override_ini",
    "-p": "plugins", "-q": "verbose", "-r": "reportchars", "-s": "capture", "-v": "verbose",
    "-x": "maxfail",
    # pytest-xdist's, which the controller stands in for
    "-n": "numprocesses", "--numprocesses": "numprocesses",
}

class Config:
    """The subset of pytest's Config that tests and fixtures use."""

    def __init__(self, msg):
        self.rootdir_str = msg.get("rootdir") or os.getcwd()
        self.rootpath = pathlib.Path(self.rootdir_str)
        self.ini = dict(msg.get("ini") or {})
        opts = dict(msg.get("options") or {})
        self.capture = msg.get("capture", opts.get("capture", "fd"))
        self.import_mode = msg.get("import_mode", opts.get("importmode", "prepend"))
        self.keyword = msg.get("keyword", opts.get("keyword", "")) or ""
        self.markexpr = msg.get("markexpr", opts.get("markexpr", "")) or ""
        self.verbose = int(msg.get("verbose", opts.get("verbose", 0)) or 0)
        self.exitfirst = bool(msg.get("exitfirst", opts.get("exitfirst", False)))
        self.run_xfail = bool(msg.get("run_xfail", False) or opts.get("runxfail", False))
        self.basetemp = msg.get("basetemp") or opts.get("basetemp") or ""
        self.cache_dir = msg.get("cache_dir") or ""
        self.args = [str(a) for a in msg.get("args") or []]
        self.invocation_dir = msg.get("invocation_dir") or self.rootdir_str
        self.worker_id = str(msg.get("worker_id") or "master")
        self.worker_count = int(msg.get("worker_count") or 1)
        defaults = {
            "verbose": self.verbose, "capture": self.capture, "keyword": self.keyword,
            "markexpr": self.markexpr, "exitfirst": self.exitfirst, "runxfail": self.run_xfail,
            "basetemp": self.basetemp or None, "importmode": self.import_mode,
            "tbstyle": "auto", "showlocals": False, "fulltrace": False,
            "maxfail": 1 if self.exitfirst else 0, "usepdb": False, "lf": False, "ff": False,
            "numprocesses": None, "assertmode": "rewrite", "strict_markers": False,
            "strict": False, "color": "no", "pythonwarnings": [], "disable_warnings": False,
            "plugins": [], "setupshow": False, "noconftest": False, "confcutdir": None,
            "deselect": [], "ignore": [], "ignore_glob": [], "showcapture": "all",
            "log_level": None, "log_cli_level": None, "log_format": None,
            "log_date_format": None, "log_file": None, "showfixtures": False,
            "show_fixtures_per_test": False, "markers": False, "reportchars": "fE",
        }
        defaults.update(opts)
        self.option = _Options(defaults)
        self.option.verbose = self.verbose
        self.option.runxfail = self.run_xfail
        if "options" not in msg:
            # Protocol 1 controllers: the ini's addopts is the only source of these.
            addopts = self.ini.get("addopts") or ""
            if not isinstance(addopts, str):
                addopts = " ".join(addopts)
            words = addopts.split()
            self.option.strict_markers = "--strict-markers" in words
            self.option.strict = "--strict" in words
            self.option.plugins = [words[i + 1] for i, o in enumerate(words[:-1]) if o == "-p"]
            self.option.plugins += [o[2:] for o in words if o.startswith("-pno:")]
        plugins = list(self.option.plugins or [])
        self.disabled_plugins = {p[3:] for p in plugins if p.startswith("no:")}
        if "pytest_cacheprovider" in self.disabled_plugins:
            self.disabled_plugins.add("cacheprovider")
        self.invocation_params = _InvocationParams(self.args, self.invocation_dir)
        self.stash = {}
        self._run = None
        self._conftest_options = []  # (flags, attrs) from pytest_addoption
        self._ini_types = {}  # name -> (type, default) from parser.addini
        self._builtin_markers_at = None  # where pytest's own marker lines go in getini
        self.pluginmanager = _PluginManager(self)
        self.cache = None
        if "cacheprovider" not in self.disabled_plugins:
            from .builtin_fixtures import Cache
            self.cache = Cache(self)
        self.hook = _HookRelay(self)
        if self.worker_id != "master":
            # pytest-xdist's marker of a worker process (conftests test hasattr()).
            try:
                from _sha1 import sha1  # hashlib's would load OpenSSL (~4 ms at start-up)
            except ImportError:
                from hashlib import sha1
            uid = os.environ.get("PYTEST_XDIST_TESTRUNUID") or sha1(
                ("%d:%s" % (os.getppid(), self.invocation_dir)).encode()).hexdigest()[:32]
            self.workerinput = {"workerid": self.worker_id, "workercount": self.worker_count,
                                "testrunuid": uid, "mainargv": ["pytest"] + self.args}

    @property
    def strict_markers(self):
        return bool(self.option.strict_markers or self.option.strict or str(
            self.ini.get("strict_markers", "")).lower() in ("true", "1"))

    @property
    def rootdir(self):
        return _legacy_path(self.rootpath)

    @property
    def inipath(self):
        f = self.ini.get("__inifile__")
        return pathlib.Path(f) if f else None

    @property
    def inifile(self):
        return _legacy_path(self.inipath) if self.inipath else None

    def getoption(self, name, default=compat.NOTSET, skip=False):
        """pytest's ``Config.getoption``: an option string (``"--doctest-modules"``) is
        looked up as the dest its parser gave it (``doctestmodules``), anything else is
        taken as a dest; ``None`` with ``skip`` skips."""
        name = self._option_dest(name)
        try:
            val = self.option.__dict__[name]
            if val is None and skip:
                raise KeyError(name)
            return val
        except KeyError:
            if default is not compat.NOTSET:
                return default
            if skip:
                raise compat.make_skip("no %r option found" % (name,))
            raise ValueError("no option named %r" % (name,))

    def _option_dest(self, name):
        """pytest's ``_opt2dest``: option strings of pytest's parser and of every
        ``pytest_addoption`` to their dests; a name that is none of them stays as it is."""
        if not isinstance(name, str) or not name.startswith("-"):
            return name
        dest = _PYTEST_OPTION_DESTS.get(name)
        if dest is not None:
            return dest
        from .hooks import option_dest
        for opts, attrs in self._conftest_options:
            if name in opts:
                return option_dest(opts, attrs)
        from .startup import _FLAG_SET, _VALUE_SET
        if name in _FLAG_SET or name in _VALUE_SET or name == "--debug":
            return option_dest([name], {})
        return name

    getvalue = getoption

    def getini(self, name):
        if name == "markers":
            # pytest's order: ini lines and conftest registrations, its own plugins'
            # lines, then what entry-point plugins registered.
            lines = self._getini("markers")
            pos = self._builtin_markers_at if self._builtin_markers_at is not None else len(lines)
            return lines[:pos] + list(BUILTIN_MARKER_LINES) + lines[pos:]
        return self._getini(name)

    def _getini(self, name):
        registered = self._ini_types.get(name) or _BUILTIN_INI_TYPES.get(name)
        if registered is not None:
            return self._getini_typed(name, *registered)
        # Not pytest's nor registered by a conftest: the raw value (pytest raises ValueError).
        value = self.ini.get(name)
        return "" if value is None else value

    def _getini_typed(self, name, type, default):
        """An ini value a conftest/plugin registered with ``parser.addini`` (pytest's coercions)."""
        value = self.ini.get(name)
        if value is None:
            if default is not None:
                return list(default) if isinstance(default, list) else default
            # pytest 7.2: no default is "" for untyped values, else [] (a bool too).
            return "" if type is None else []
        import shlex
        if type in ("paths", "pathlist", "args"):
            values = shlex.split(value) if isinstance(value, str) else list(value)
            if type == "args":
                return values
            base = self.inipath.parent if self.inipath is not None else self.rootpath
            return [base / v for v in values] if type == "paths" else [
                _legacy_path(base / v) for v in values]
        if type == "linelist":
            if isinstance(value, str):
                return [v.strip() for v in value.split("\n") if v.strip()]
            return list(value)
        if type == "bool":
            return str(value).strip().lower() in ("y", "yes", "t", "true", "on", "1")
        return value

    def addinivalue_line(self, name, line):
        cur = self.ini.get(name)
        if cur is None and name in _LIST_INI:
            cur = []
        if isinstance(cur, str):
            cur = [v.strip() for v in cur.splitlines() if v.strip()]
        self.ini[name] = list(cur or []) + [line]

    def issue_config_time_warning(self, warning, stacklevel):
        import warnings
        warnings.warn(warning, stacklevel=stacklevel)


# The marker lines pytest's own plugins register at configure time (``--markers``).
BUILTIN_MARKER_LINES = (
    'filterwarnings(warning): add a warning filter to the given test. see https://docs.pytest.org/en/stable/how-to/capture-warnings.html#pytest-mark-filterwarnings ',
    'skip(reason=None): skip the given test function with an optional reason. Example: skip(reason="no way of currently testing this") skips the test.',
    "skipif(condition, ..., *, reason=...): skip the given test function if any of the conditions evaluate to True. Example: skipif(sys.platform == 'win32') skips the test if we are on the win32 platform. See https://docs.pytest.org/en/stable/reference/reference.html#pytest-mark-skipif",
    "xfail(condition, ..., *, reason=..., run=True, raises=None, strict=xfail_strict): mark the test function as an expected failure if any of the conditions evaluate to True. Optionally specify a reason for better reporting and run=False if you don't even want to execute the test function. If only specific exception(s) are expected, you can list them in raises, and if the test fails in other ways, it will be reported as a true failure. See https://docs.pytest.org/en/stable/reference/reference.html#pytest-mark-xfail",
    "parametrize(argnames, argvalues): call a test function multiple times passing in different arguments in turn. argvalues generally needs to be a list of values if argnames specifies only one name or a list of tuples of values if argnames specifies multiple names. Example: @parametrize('arg1', [1,2]) would lead to two calls of the decorated test function, one with arg1=1 and another with arg1=2.see https://docs.pytest.org/en/stable/how-to/parametrize.html for more info and examples.",
    'usefixtures(fixturename1, fixturename2, ...): mark tests as needing all of the specified fixtures. see https://docs.pytest.org/en/stable/explanation/fixtures.html#usefixtures ',
    'tryfirst: mark a hook implementation function such that the plugin machinery will try to call it first/as early as possible. DEPRECATED, use @pytest.hookimpl(tryfirst=True) instead.',
    'trylast: mark a hook implementation function such that the plugin machinery will try to call it last/as late as possible. DEPRECATED, use @pytest.hookimpl(trylast=True) instead.',
)
# pytest 7.2's own ini names: (type, default) as its plugins pass them to parser.addini,
# so getini coerces as pytest does ("true" -> True, "a b" -> ["a", "b"], defaults).
_BUILTIN_INI_TYPES = {
    "addopts": ("args", None),
    "cache_dir": (None, ".pytest_cache"),
    "console_output_style": (None, "progress"),
    "disable_test_id_escaping_and_forfeit_all_rights_to_community_support": ("bool", False),
    "doctest_encoding": (None, "utf-8"),
    "doctest_optionflags": ("args", ["ELLIPSIS"]),
    "empty_parameter_set_mark": (None, None),
    "enable_assertion_pass_hook": ("bool", False),
    "faulthandler_timeout": (None, 0.0),
    "filterwarnings": ("linelist", None),
    "junit_duration_report": (None, "total"),
    "junit_family": (None, "xunit2"),
    "junit_log_passing_tests": ("bool", True),
    "junit_logging": (None, "no"),
    "junit_suite_name": (None, "pytest"),
    "log_auto_indent": (None, None),
    "log_cli": ("bool", False),
    "log_cli_date_format": (None, None),
    "log_cli_format": (None, None),
    "log_cli_level": (None, None),
    "log_date_format": (None, "%H:%M:%S"),
    "log_file": (None, None),
    "log_file_date_format": (None, "%H:%M:%S"),
    "log_file_format": (None, "%(levelname)-8s %(name)s:%(filename)s:%(lineno)d %(message)s"),
    "log_file_level": (None, None),
    "log_format": (None, "%(levelname)-8s %(name)s:%(filename)s:%(lineno)d %(message)s"),
    "log_level": (None, None),
    "markers": ("linelist", None),
    "minversion": (None, None),
    "norecursedirs": ("args", ["*.egg", ".*", "_darcs", "build", "CVS", "dist", "node_modules", "venv",
                               "{arch}"]),
    "python_classes": ("args", ["Test"]),
    "python_files": ("args", ["test_*.py", "*_test.py"]),
    "python_functions": ("args", ["test"]),
    "pythonpath": ("paths", []),
    "required_plugins": ("args", []),
    "testpaths": ("args", []),
    "usefixtures": ("args", []),
    "xfail_strict": ("bool", False),
}
_LIST_INI = {"python_files", "python_classes", "python_functions", "testpaths", "markers",
             "filterwarnings", "usefixtures", "norecursedirs", "addopts", "required_plugins"}


class _HookRelay:
    """``config.hook`` / ``node.ihook``: a call from user code into pytest's hook system
    calls every registered conftest/plugin implementation (pluggy: last registered
    first, results that are not None collected). ``pytest_deselected`` is also counted."""

    def __init__(self, config=None):
        self._config = config

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        config = self._config
        run = getattr(config, "_run", None) if config is not None else None
        if run is None:
            return _noop_hook

        def call(**kwargs):
            from .hooks import call_hook
            if name == "pytest_deselected":
                run.note_deselected(kwargs.get("items") or ())
            out = []
            for mod in reversed(run.plugin_modules()):
                fn = getattr(mod, name, None)
                if callable(fn):
                    res = call_hook(fn, **kwargs)
                    if res is not None:
                        out.append(res)
            return out
        return call


def _noop_hook(*args, **kwargs):
    return []


# ``-p no:NAME`` names of pytest's builtin plugins, and what the harness serves for them.
BUILTIN_PLUGINS = (
    "mark", "main", "runner", "fixtures", "helpconfig", "python", "terminal", "debugging",
    "unittest", "capture", "skipping", "legacypath", "tmpdir", "monkeypatch", "recwarn",
    "pastebin", "nose", "assertion", "junitxml", "doctest", "cacheprovider", "freeze_support",
    "setuponly", "setupplan", "stepwise", "warnings", "logging", "reports", "python_path",
    "unraisableexception", "threadexception", "faulthandler")


class _PluginManager:
    """``config.pluginmanager``: builtin plugins (unless ``-p no:``), ``-p`` and
    entry-point plugins, conftests."""

    def __init__(self, config):
        self._config = config
        self._named = {}

    def _add(self, name, module):
        if name:
            self._named[name] = module

    def hasplugin(self, name):
        return self.get_plugin(name) is not None

    def get_plugin(self, name):
        if name in self._named:
            return self._named[name]
        bare = name[len("_pytest."):] if name.startswith("_pytest.") else name
        if bare in BUILTIN_PLUGINS and bare not in self._config.disabled_plugins:
            return _BuiltinPlugin(bare)
        return None

    getplugin = get_plugin

    def is_blocked(self, name):
        return name in self._config.disabled_plugins

    def register(self, plugin, name=None):
        self._add(name or getattr(plugin, "__name__", None) or str(id(plugin)), plugin)
        run = getattr(self._config, "_run", None)
        if run is not None and plugin is not None:
            run.register_plugin_object(plugin)
        return name

    def unregister(self, plugin=None, name=None):
        for k, v in list(self._named.items()):
            if v is plugin or k == name:
                del self._named[k]

    def get_plugins(self):
        return set(self._named.values())

    def list_name_plugin(self):
        return list(self._named.items())

    def add_hookspecs(self, module_or_class):
        pass

    def import_plugin(self, modname, consider_entry_points=False):
        run = getattr(self._config, "_run", None)
        if run is not None:
            run.load_plugin_module(modname)


class _BuiltinPlugin:
    def __init__(self, name):
        self.__name__ = "_pytest." + name
