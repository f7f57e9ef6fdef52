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
        self.keywords = NodeKeywords(self)
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
        return _HookRelay()

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
        import warnings
        warnings.warn(warning, stacklevel=2)

    def __repr__(self):
        return "<%s %s>" % (type(self).__name__, self.name)


class NodeKeywords(dict):
    """A node's keywords; lookups fall back to the parent's (pytest's NodeKeywords)."""

    def __init__(self, node):
        dict.__init__(self)
        self.node = node

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
        Node.__init__(self, name, nodeid, parent.path if parent else None, func, parent, marks)
        self.originalname = name.split("[", 1)[0]
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
        self.module_node = parent if isinstance(parent, Module) else parent.getparent(Module)
        self.user_properties = []
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


class Config:
    """The subset of pytest's Config that tests and fixtures use."""

    def __init__(self, msg):
        self.rootdir_str = msg.get("rootdir") or os.getcwd()
        self.rootpath = pathlib.Path(self.rootdir_str)
        self.ini = dict(msg.get("ini") or {})
        self.capture = msg.get("capture", "fd")
        self.import_mode = msg.get("import_mode", "prepend")
        self.keyword = msg.get("keyword", "") or ""
        self.markexpr = msg.get("markexpr", "") or ""
        self.verbose = int(msg.get("verbose", 0) or 0)
        self.exitfirst = bool(msg.get("exitfirst", False))
        self.run_xfail = bool(msg.get("run_xfail", False))
        self.basetemp = msg.get("basetemp") or ""
        self.cache_dir = msg.get("cache_dir") or ""
        self.option = _Options({
            "verbose": self.verbose, "capture": self.capture, "keyword": self.keyword,
            "markexpr": self.markexpr, "exitfirst": self.exitfirst, "runxfail": self.run_xfail,
            "basetemp": self.basetemp or None, "importmode": self.import_mode,
            "tbstyle": "auto", "showlocals": False, "maxfail": 1 if self.exitfirst else 0,
            "usepdb": False, "lf": False, "ff": False, "numprocesses": None,
            "assertmode": "rewrite", "strict_markers": False, "color": "no",
        })
        addopts = self.ini.get("addopts") or ""
        if not isinstance(addopts, str):
            addopts = " ".join(addopts)
        opts = addopts.split()
        self.option.strict_markers = "--strict-markers" in opts
        self.option.strict = "--strict" in opts
        self.disabled_plugins = {opts[i + 1][3:] for i, o in enumerate(opts[:-1])
                                 if o == "-p" and opts[i + 1].startswith("no:")}
        self.disabled_plugins.update(o[5:] for o in opts if o.startswith("-pno:"))
        self.invocation_params = None
        self.args = []
        self.stash = {}
        self._run = None
        self.pluginmanager = _PluginManager()
        from .builtin_fixtures import Cache
        self.cache = Cache(self)
        self.hook = _HookRelay()
        self.workerinput = None

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
        name = name.lstrip("-").replace("-", "_")
        aliases = {"k": "keyword", "m": "markexpr", "v": "verbose", "x": "exitfirst",
                   "s": "capture", "tb": "tbstyle", "import_mode": "importmode"}
        name = aliases.get(name, name)
        if name in self.option.__dict__:
            return self.option.__dict__[name]
        if default is not compat.NOTSET:
            return default
        if skip:
            raise compat.make_skip("no %r option found" % (name,))
        raise ValueError("no option named %r" % (name,))

    getvalue = getoption

    def getini(self, name):
        if name == "markers":
            return _BUILTIN_MARKERS + self._getini("markers")
        return self._getini(name)

    def _getini(self, name):
        value = self.ini.get(name)
        if value is None:
            return [] if name in _LIST_INI else ""
        if name in _LIST_INI and isinstance(value, str):
            return [v for v in value.replace("\n", " ").split() if v] \
                if name not in _LINE_INI else [v.strip() for v in value.splitlines() if v.strip()]
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


# Marks pytest's own plugins register at configure time.
_BUILTIN_MARKERS = ["skip", "skipif", "xfail", "parametrize", "usefixtures", "filterwarnings",
                    "tryfirst", "trylast"]

_LIST_INI = {"python_files", "python_classes", "python_functions", "testpaths", "markers",
             "filterwarnings", "usefixtures", "norecursedirs", "addopts", "required_plugins"}
_LINE_INI = {"markers", "filterwarnings"}


class _HookRelay:
    """``config.hook`` / ``node.ihook``: calls from user hooks into pytest's hook
    system (e.g. ``pytest_deselected``) are accepted and do nothing."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _noop_hook


def _noop_hook(*args, **kwargs):
    return []


class _PluginManager:
    def hasplugin(self, name):
        return False

    def getplugin(self, name):
        return None

    def register(self, plugin, name=None):
        return name

    def get_plugin(self, name):
        return None
