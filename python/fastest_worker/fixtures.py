"""Fixture definitions, lookup through conftest/module/class levels, requests."""
import functools
import inspect
import os
import sys
import types

from . import compat
from . import integrations
from .nodes import SCOPES, SCOPE_INDEX, FUNCTION, Class


class FixtureLookupError(LookupError):
    """A fixture that cannot be provided. Once the tests have imported pytest, each one
    is also an instance of ``pytest.FixtureLookupError``, so ``except`` /
    ``pytest.raises(pytest.FixtureLookupError)`` around ``request.getfixturevalue``
    catches it as in pytest."""

    _bridged = {}

    def __new__(cls, *args, **kwargs):
        theirs = getattr(sys.modules.get("_pytest.fixtures"), "FixtureLookupError", None)
        if isinstance(theirs, type) and issubclass(theirs, BaseException) and not issubclass(cls, theirs):
            both = cls._bridged.get((cls, theirs))
            if both is None:
                # Ours first: our __init__ (pytest's would ask the request for its stack).
                both = type(cls.__name__, (cls, theirs), {"__module__": cls.__module__})
                cls._bridged[(cls, theirs)] = both
            cls = both
        return LookupError.__new__(cls, *args)

    def __init__(self, argname, request, msg=None):
        LookupError.__init__(self, msg or argname)
        self.argname = argname
        self.request = request
        self.msg = msg


# ``--setup-show``: called with (fixturedef, "SETUP"/"TEARDOWN") when set.
show_action = None


def run_finalizers(fins, first=None):
    """Pop and call every finalizer (last registered first), going on past failures.

    Returns `first` if it was given, else the first exception raised, else None."""
    while fins:
        fin = fins.pop()
        try:
            fin()
        except BaseException as e:  # noqa: B902 - keep tearing down
            if first is None:
                first = e
    return first


class FixtureDef:
    """One fixture function as defined at one level (plugin, conftest, module, class)."""

    __slots__ = ("name", "func", "scope", "scope_idx", "params", "ids", "autouse", "argnames",
                 "baseid", "holder", "bind", "cached", "finalizers", "level", "is_gen",
                 "is_async", "shown_param")

    def __init__(self, name, func, scope, params, ids, autouse, baseid, holder=None,
                 bind=None, argnames=None):
        self.name = name
        self.func = func
        self.scope = scope
        self.scope_idx = SCOPE_INDEX.get(scope, FUNCTION)
        self.params = params
        self.ids = ids
        self.autouse = autouse
        self.baseid = baseid
        self.holder = holder  # class the fixture was defined in, or None
        self.bind = bind  # "instance" | None
        self.argnames = argnames if argnames is not None else getfuncargnames(
            func, drop_first=(bind == "instance"))
        self.cached = None  # (value, key, exception)
        self.shown_param = compat.NOTSET
        self.finalizers = []
        self.level = 0
        self.is_gen = inspect.isgeneratorfunction(func)
        raw = getattr(func, "__func__", func)
        self.is_async = inspect.iscoroutinefunction(raw) or inspect.isasyncgenfunction(raw)

    def addfinalizer(self, fin):
        self.finalizers.append(fin)

    def finish(self):
        try:
            first = run_finalizers(self.finalizers)
        finally:
            if self.cached is not None and show_action is not None:
                show_action(self, "TEARDOWN")
            self.cached = None
        if first is not None:
            raise first

    def __repr__(self):
        return "<FixtureDef argname=%r scope=%r baseid=%r>" % (self.name, self.scope, self.baseid)


def _num_mock_patch_args(func):
    patchings = getattr(func, "patchings", None)
    if not patchings:
        return 0
    sentinels = []
    for modname in ("mock", "unittest.mock"):
        mod = sys.modules.get(modname)
        if mod is not None and hasattr(mod, "DEFAULT"):
            sentinels.append(mod.DEFAULT)
    return len([p for p in patchings
                if not p.attribute_name and any(p.new is s for s in sentinels)])


def getfuncargnames(func, drop_first=False, name=None, cls=None):
    """Names of the required arguments of ``func`` (pytest's getfuncargnames)."""
    if (type(func) is types.FunctionType and not hasattr(func, "__wrapped__")
            and not hasattr(func, "patchings") and not hasattr(func, "__signature__")):
        code = func.__code__
        n = code.co_argcount
        names = code.co_varnames[:n]
        ndef = len(func.__defaults__ or ())
        if ndef:
            names = names[: n - ndef]
        kw = code.co_varnames[n: n + code.co_kwonlyargcount]
        if kw:
            kwd = func.__kwdefaults__ or {}
            names = names + tuple(k for k in kw if k not in kwd)
        names = tuple(names)
    else:
        try:
            params = inspect.signature(func).parameters
        except (ValueError, TypeError):
            return ()
        names = tuple(
            p.name for p in params.values()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.default is p.empty)
        names = names[_num_mock_patch_args(func):]
    if drop_first and names:
        names = names[1:]
    return names


class Level:
    """Fixtures defined at one node (plugins, a conftest, a module, a class)."""

    def __init__(self, baseid):
        self.baseid = baseid
        self.defs = {}
        self.autouse = []

    def add(self, fd):
        if fd.autouse and fd.name not in self.autouse:
            self.autouse.append(fd.name)
        self.defs[fd.name] = fd


_generation = [0]


def bump_generation():
    """Plugin fixtures were added: every chain recomputes its lookups."""
    _generation[0] += 1


class Chain:
    """Levels visible from a module or class, most generic first."""

    def __init__(self, levels):
        self.levels = tuple(levels)
        self._refresh()

    def _refresh(self):
        self._gen = _generation[0]
        self._cache = {}
        auto = []
        for lv in self.levels:
            for n in lv.autouse:
                if n not in auto:
                    auto.append(n)
        self._autouse = tuple(auto)

    @property
    def autouse(self):
        if self._gen != _generation[0]:
            self._refresh()
        return self._autouse

    def extend(self, level):
        return Chain(self.levels + (level,))

    def defs(self, name):
        """All definitions of ``name``, generic to specific."""
        if self._gen != _generation[0]:
            self._refresh()
        r = self._cache.get(name)
        if r is None:
            r = []
            for i, lv in enumerate(self.levels):
                fd = lv.defs.get(name)
                if fd is not None:
                    r.append(fd)
            r = tuple(r)
            self._cache[name] = r
        return r

    def names(self):
        out = set()
        for lv in self.levels:
            out.update(lv.defs)
        return out


def parse_fixtures(holder, baseid, config, cls=None):
    """Level with the fixtures found on a module/plugin object or class."""
    level = Level(baseid)
    if cls is not None:
        items = []
        seen = set()
        for base in cls.__mro__:
            for name, value in list(vars(base).items()):
                if name not in seen:
                    seen.add(name)
                    items.append((name, value))
    else:
        try:
            items = list(vars(holder).items())
        except TypeError:
            items = [(n, getattr(holder, n, None)) for n in dir(holder)]
    for name, obj in items:
        if name.startswith("__") and name.endswith("__"):
            continue
        bind = None
        if cls is not None:
            if isinstance(obj, staticmethod):
                obj = obj.__func__
            elif isinstance(obj, classmethod):
                spec = compat.fixture_spec(obj.__func__)
                if spec is None:
                    continue
                spec.func = types.MethodType(spec.func, cls)
                _add(level, name, spec, baseid, cls, None, config)
                continue
            else:
                bind = "instance"
        spec = compat.fixture_spec(obj)
        if spec is None:
            continue
        if cls is not None and isinstance(spec.func, types.MethodType):
            bind = None
        _add(level, name, spec, baseid, cls, bind, config)
    return level


def _add(level, name, spec, baseid, cls, bind, config):
    scope = spec.scope
    fname = spec.name or name
    if callable(scope):
        scope = scope(fixture_name=fname, config=config)
    if scope not in SCOPE_INDEX:
        scope = "function"
    fd = FixtureDef(fname, spec.func, scope, spec.params, spec.ids, spec.autouse, baseid,
                    holder=cls, bind=bind)
    level.add(fd)


# ------------------------------------------------------------------ requests


class FixtureRequest:
    """``request`` as a test function sees it."""

    def __init__(self, run, item):
        self._run = run
        self._item = item
        self._fixturedef = None
        self._scope_idx = FUNCTION
        self._parent = None

    # -- pytest's public attributes
    @property
    def scope(self):
        return SCOPES[self._scope_idx]

    @property
    def fixturename(self):
        return self._fixturedef.name if self._fixturedef is not None else None

    @property
    def fixturenames(self):
        return list(self._item.fixturenames)

    @property
    def node(self):
        idx = self._scope_idx
        item = self._item
        if idx == FUNCTION:
            return item
        if idx == 3:
            return item.parent if isinstance(item.parent, Class) else item
        if idx == 2:
            return item.module_node
        return self._run.session

    @property
    def config(self):
        return self._run.config

    @property
    def session(self):
        return self._run.session

    @property
    def function(self):
        if self._scope_idx != FUNCTION:
            raise AttributeError("function not available in %s-scoped context" % self.scope)
        return self._item.function

    @property
    def cls(self):
        if self._scope_idx < 3:
            raise AttributeError("cls not available in %s-scoped context" % self.scope)
        return self._item.cls

    @property
    def instance(self):
        if self._scope_idx != FUNCTION:
            return None
        return self._item.instance

    @property
    def module(self):
        if self._scope_idx < 2:
            raise AttributeError("module not available in %s-scoped context" % self.scope)
        return self._item.module

    @property
    def path(self):
        return self._item.path

    @property
    def fspath(self):
        return self._item.fspath

    @property
    def keywords(self):
        return self.node.keywords

    @property
    def param_index(self):
        return 0

    def addfinalizer(self, finalizer):
        fd = self._fixturedef
        if fd is None:
            self._run.item_finalizers.append(finalizer)
        else:
            fd.addfinalizer(finalizer)

    def applymarker(self, marker):
        self._item.add_marker(marker)

    def raiseerror(self, msg):
        raise FixtureLookupError(None, self, msg)

    def getfixturevalue(self, argname):
        return self._run.getfixturevalue(self, argname)

    def _get_active_fixturedef(self, argname):
        return self._run.resolve(self, argname)

    def __repr__(self):
        return "<FixtureRequest for %r>" % (self._item,)


class SubRequest(FixtureRequest):
    """``request`` as a fixture function sees it."""

    def __init__(self, parent, fixturedef, param, param_index):
        self._run = parent._run
        self._item = parent._item
        self._fixturedef = fixturedef
        self._scope_idx = fixturedef.scope_idx
        self._parent = parent
        if param is not compat.NOTSET:
            self.param = param
        self._param_index = param_index

    @property
    def param_index(self):
        return self._param_index

    def __repr__(self):
        return "<SubRequest %r for %r>" % (self.fixturename, self._item)


def fixture_location(fd):
    func = fd.func
    func = getattr(func, "__func__", func)
    try:
        code = func.__code__
        return "%s:%d" % (code.co_filename, code.co_firstlineno)
    except AttributeError:
        return repr(func)


def call_fixture(fd, request, kwargs):
    """Run the fixture function; returns its value, registers yield teardown."""
    func = fd.func
    if fd.bind == "instance":
        inst = request._item.instance if request._scope_idx == FUNCTION else None
        if inst is None or not isinstance(inst, fd.holder):
            inst = request._run.holder_instance(fd.holder)
        func = func.__get__(inst, type(inst))
    if fd.is_async and integrations.is_asyncio_fixture(request._run, fd):
        return integrations.call_async_fixture(request._run, fd, request, func, kwargs)
    if fd.is_gen:
        gen = func(**kwargs)
        try:
            value = next(gen)
        except StopIteration:
            raise ValueError("%s did not yield a value" % (request.fixturename,)) from None
        fd.addfinalizer(functools.partial(_finish_gen, gen, fd))
        return value
    return func(**kwargs)


def _finish_gen(gen, fd):
    try:
        next(gen)
    except StopIteration:
        return
    raise RuntimeError("fixture function %s has more than one 'yield'" % (fd.name,))


def unknown_fixture_text(request, argname, names):
    item = request._item
    func = item.function
    lines = []
    where = None
    try:
        code = getattr(func, "__func__", func).__code__
        where = "%s:%d" % (code.co_filename, code.co_firstlineno)
        lines.append("file %s, line %d" % (code.co_filename, code.co_firstlineno))
        src, _ = inspect.getsourcelines(func)
        for ln in src:
            lines.append("  " + ln.rstrip())
            if ln.lstrip().startswith("def ") or ln.lstrip().startswith("async def "):
                break
    except Exception:
        pass
    lines.append("E       fixture '%s' not found" % argname)
    lines.append(">       available fixtures: %s" % ", ".join(sorted(names)))
    lines.append(">       use 'pytest --fixtures [testpath]' for help on them.")
    if where is not None:
        # pytest's FixtureLookupErrorRepr ends with an empty line and the function's place.
        lines += ["", where]
    return "\n".join(lines)


def scope_mismatch_text(argname, invoking, requested, chain_defs, rootdir=None):
    lines = ["ScopeMismatch: You tried to access the %s scoped fixture %s with a %s scoped "
             "request object, involved factories:" % (requested, argname, invoking)]
    for fd in chain_defs:
        func = getattr(fd.func, "__func__", fd.func)
        try:
            code = func.__code__
            sig = str(inspect.signature(func))
            fname = code.co_filename
            if rootdir and os.path.isabs(fname):
                rel = os.path.relpath(fname, rootdir)
                fname = fname if rel.startswith("..") else rel
            lines.append("%s:%d:  def %s%s" % (fname, code.co_firstlineno,
                                               fd.func.__name__, sig))
        except Exception:
            lines.append(repr(fd))
    return "\n".join(lines)
