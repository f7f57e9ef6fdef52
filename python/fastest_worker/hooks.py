"""The few conftest hooks the worker honours: addoption, configure,
generate_tests (in collect.py), collection_modifyitems, runtest_setup/teardown,
markeval_namespace (in marks.py)."""
import inspect

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


class _Group:
    def __init__(self, parser):
        self._parser = parser

    def addoption(self, *opts, **attrs):
        self._parser.addoption(*opts, **attrs)

    _addoption = addoption


class Parser:
    """Records option defaults declared by ``pytest_addoption``."""

    def __init__(self, config):
        self.config = config

    def addoption(self, *opts, **attrs):
        dest = attrs.get("dest")
        if not dest:
            longs = [o for o in opts if o.startswith("--")]
            name = (longs[0] if longs else opts[0]).lstrip("-")
            dest = name.replace("-", "_")
        action = attrs.get("action")
        if "default" in attrs:
            default = attrs["default"]
        elif action == "store_true":
            default = False
        elif action == "store_false":
            default = True
        elif action in ("append", "extend"):
            default = []
        elif action == "count":
            default = 0
        else:
            default = None
        self.config.option.__dict__.setdefault(dest, default)

    _addoption = addoption

    def getgroup(self, name, description="", after=None):
        return _Group(self)

    def addini(self, name, help="", type=None, default=None):
        if name not in self.config.ini and default is not None:
            self.config.ini[name] = default


def conftest_loaded(mod, config):
    fn = getattr(mod, "pytest_addoption", None)
    if fn is not None:
        try:
            call_hook(fn, parser=Parser(config), pluginmanager=config.pluginmanager)
        except Exception:
            pass
    fn = getattr(mod, "pytest_configure", None)
    if fn is not None:
        try:
            call_hook(fn, config=config)
        except Exception:
            pass
