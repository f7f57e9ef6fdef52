"""The conftest/plugin hooks the native engine honours, and how it calls them.

``NATIVE_HOOKS`` is the one list of hooks the native engine calls; the C++
``--engine auto`` check reads it from here. A conftest or plugin implementing
any other ``pytest_*`` hook needs the pytest engine to be exact.
"""
import inspect

NATIVE_HOOKS = (
    "pytest_addoption",
    "pytest_addhooks",
    "pytest_configure",
    "pytest_unconfigure",
    "pytest_sessionstart",
    "pytest_sessionfinish",
    "pytest_report_header",
    "pytest_ignore_collect",
    "pytest_generate_tests",
    "pytest_collection_modifyitems",
    "pytest_deselected",
    "pytest_runtest_setup",
    "pytest_runtest_teardown",
    "pytest_markeval_namespace",
    "pytest_assertrepr_compare",
    "pytest_plugins",  # not a hook: the module attribute naming plugins to load
)

_sig_cache = {}


def call_hook(fn, **available):
    """Call a hook implementation with the arguments it names (pluggy's rule)."""
    names = _sig_cache.get(fn)
    if names is None:
        try:
            names = tuple(inspect.signature(fn).parameters)
        except (TypeError, ValueError):
            names = ()
        _sig_cache[fn] = names
    return fn(**{n: available[n] for n in names if n in available})


def _impl_opts(fn):
    """pluggy's ``@pytest.hookimpl(...)`` options of an implementation (``pytest_impl``),
    or the legacy ``@pytest.mark.tryfirst``/``trylast`` marks."""
    opts = getattr(fn, "pytest_impl", None)
    if isinstance(opts, dict):
        return bool(opts.get("tryfirst")), bool(opts.get("trylast"))
    marks = {getattr(m, "name", None) for m in getattr(fn, "pytestmark", None) or ()}
    return "tryfirst" in marks, "trylast" in marks


def hook_call_order(modules, name):
    """The implementations of hook ``name`` among ``modules`` (registration order) in
    pluggy's call order: ``tryfirst`` ones, then the others, then ``trylast`` ones, each
    group last registered first."""
    first, middle, last = [], [], []
    for mod in reversed(modules):
        fn = getattr(mod, name, None)
        if fn is None or not callable(fn):
            continue
        tryfirst, trylast = _impl_opts(fn)
        (first if tryfirst else last if trylast else middle).append(fn)
    return first + middle + last


class _Group:
    def __init__(self, parser, name):
        self._parser = parser
        self.name = name

    def addoption(self, *opts, **attrs):
        self._parser.addoption(*opts, **attrs)

    _addoption = addoption


def option_dest(opts, attrs):
    """argparse's dest for an option: ``dest=``, else the first long name, else the first."""
    dest = attrs.get("dest")
    if dest:
        return dest
    longs = [o for o in opts if o.startswith("--")]
    name = (longs[0] if longs else opts[0]).lstrip("-")
    return name.replace("-", "_")


class Parser:
    """``pytest_addoption``'s parser: records options (parsed later from ``config.args``)
    and ini names with their types and defaults."""

    def __init__(self, config):
        self.config = config
        self._groups = {}

    def addoption(self, *opts, **attrs):
        dest = option_dest(opts, attrs)
        action = attrs.get("action")
        if "default" in attrs:
            default = attrs["default"]
        elif action == "store_true":
            default = False
        elif action == "store_false":
            default = True
        elif action == "count":
            default = 0
        else:
            default = None
        self.config.option.__dict__.setdefault(dest, default)
        self.config._conftest_options.append((opts, dict(attrs)))

    _addoption = addoption

    def getgroup(self, name, description="", after=None):
        group = self._groups.get(name)
        if group is None:
            group = self._groups[name] = _Group(self, name)
        return group

    def addini(self, name, help="", type=None, default=None):
        self.config._ini_types[name] = (type, default)

    @property
    def extra_info(self):
        return {}


def conftest_loaded(mod, config, configure=True):
    """A conftest or plugin module was registered: its addoption, then (unless the
    start-up calls it later for all of them) its configure."""
    fn = getattr(mod, "pytest_addhooks", None)
    if fn is not None:
        call_hook(fn, pluginmanager=config.pluginmanager)
    fn = getattr(mod, "pytest_addoption", None)
    if fn is not None:
        call_hook(fn, parser=Parser(config), pluginmanager=config.pluginmanager)
    if configure:
        call_configure(mod, config)


def call_configure(mod, config):
    fn = getattr(mod, "pytest_configure", None)
    if fn is not None:
        call_hook(fn, config=config)
