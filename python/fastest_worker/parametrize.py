"""Parametrization: marks, fixture params, pytest_generate_tests, ids (pytest's rules)."""
import inspect

from . import compat
from .nodes import CallSpec, SCOPE_INDEX


class CollectError(Exception):
    """A module, class or function that cannot be collected; text is the report."""

    def __init__(self, text, line=0, message=""):
        Exception.__init__(self, text)
        self.text = text
        self.line = line
        self.message = message  # pytest's reprcrash line for the short summary ("" = none)
        self.collector = None  # node id of the failing collector when not the module
        # Errors of the same file's other collectors, reported before this one: a test
        # module's DoctestModule under --doctest-modules (pytest collects the file twice).
        self.before = []


class ParametrizeMixin:
    """Collector methods that expand one test function into its parametrized items."""

    def _parametrize(self, item, chain, closure, func):
        """CallSpecs for the item, or None when it is not parametrized."""
        calls = [None]
        if not closure and not item.any_marks and not self._module_hooks:
            return None
        marks = list(item.iter_markers("parametrize"))
        direct = set()
        for m in marks:
            argnames, _ = _mark_argnames(m, func)
            direct.update(argnames)
        # pytest's hook order: class/module pytest_generate_tests, conftest ones,
        # then the fixture manager (fixture params), then parametrize marks.
        hook_calls = self._generate_tests_hook(item, calls, closure, func)
        if hook_calls is not None:
            calls = hook_calls
        for n in closure:
            d = chain.defs(n)
            if not d or n in direct or (calls[0] is not None and (
                    n in calls[0].funcargs or n in calls[0].params)):
                continue
            for fd in reversed(d):
                if fd.params is not None:
                    ids = fd.ids
                    calls = self._apply(item, calls, [n], [_as_paramset(v, True) for v in fd.params],
                                        True, None if callable(ids) else ids,
                                        ids if callable(ids) else None, fd.scope_idx, func)
                    break
                if n not in fd.argnames:
                    break
        for m in marks:
            calls = self._apply_mark(item, calls, m, closure, func)
        if calls == [None]:
            return None
        return calls

    def _generate_tests_hook(self, item, calls, closure, func):
        hooks = list(self._module_hooks)
        if item.cls is not None:
            h = getattr(item.cls, "pytest_generate_tests", None)
            if h is not None:
                hooks.append(getattr(item.cls(), "pytest_generate_tests"))
        if not hooks:
            return None
        mf = Metafunc(self, item, calls, closure, func)
        for h in hooks:
            try:
                h(mf)
            except CollectError:
                raise
            except Exception as e:
                if isinstance(e, compat.outcome_types()):
                    raise
                from .report import hook_error
                raise hook_error(e, self.config.invocation_dir) from None
        return mf._calls

    def _apply_mark(self, item, calls, mark, closure, func):
        argnames, argvalues = _mark_argnames(mark, func)
        kw = mark.kwargs
        indirect = kw.get("indirect", False)
        ids = kw.get("ids", None)
        scope = kw.get("scope", None)
        if len(mark.args) > 2:
            indirect = mark.args[2]
        if len(mark.args) > 3:
            ids = mark.args[3]
        force_tuple = isinstance(mark.args[0] if mark.args else kw.get("argnames"), str) \
            and len(argnames) == 1
        return self.parametrize(item, calls, argnames, argvalues, indirect, ids, scope,
                                closure, func, force_tuple)

    def parametrize(self, item, calls, argnames, argvalues, indirect, ids, scope, closure, func,
                    force_tuple):
        fname = func.__name__
        for a in argnames:
            if a not in closure:
                defaults = _default_arg_names(func)
                if a in defaults:
                    raise CollectError("In %s: function already takes an argument '%s' with a "
                                       "default value" % (fname, a))
                if isinstance(indirect, (list, tuple)):
                    what = "fixture" if a in indirect else "argument"
                else:
                    what = "fixture" if indirect else "argument"
                raise CollectError("In %s: function uses no %s '%s'" % (fname, what, a))
        paramsets = [_as_paramset(v, force_tuple) for v in argvalues]
        if not paramsets:
            where = _func_where(func)
            reason = "got empty parameter set %r, function %s at %s" % (
                list(argnames), fname, where)
            mode = self.config.ini.get("empty_parameter_set_mark") or "skip"
            mname = "xfail" if mode == "xfail" else "skip"
            kwargs = {"reason": reason}
            if mname == "xfail":
                kwargs["run"] = False
            paramsets = [_PS((compat.NOTSET,) * len(argnames),
                             [compat.Mark(mname, (), kwargs)], None)]
        for ps in paramsets:
            if len(ps.values) != len(argnames):
                raise CollectError(
                    '%s: in "parametrize" the number of names (%d):\n  %s\nmust be equal to the '
                    'number of values (%d):\n  %s' % (
                        fname, len(argnames), list(argnames), len(ps.values), ps.values))
        idfn = None
        if callable(ids):
            idfn, ids = ids, None
        scope = self._param_scope(item, argnames, indirect, scope)
        if ids is not None:
            ids = list(ids)
            if len(ids) != len(paramsets):
                raise CollectError("In %s: %d parameter sets specified, with different number of "
                                   "ids: %d" % (fname, len(paramsets), len(ids)))
        return self._apply(item, calls, argnames, paramsets, indirect, ids, idfn, scope, func)

    def _param_scope(self, item, argnames, indirect, scope):
        if scope is not None:
            return SCOPE_INDEX.get(scope, 4)
        if isinstance(indirect, (list, tuple)):
            all_fixtures = len(indirect) == len(argnames)
        else:
            all_fixtures = bool(indirect)
        if not all_fixtures:
            return 4
        used = [item.chain.defs(a)[0].scope_idx for a in argnames if item.chain.defs(a)]
        return max(used) if used else 4

    def _apply(self, item, calls, argnames, paramsets, indirect, ids, idfn, scope, func):
        try:
            idlist = compat.make_ids(argnames, paramsets, ids, idfn, self.config.ini, item.nodeid)
        except compat.IdError as e:
            raise CollectError(str(e))
        if isinstance(indirect, (list, tuple)):
            ind = set(indirect)
        else:
            ind = set(argnames) if indirect else set()
        out = []
        for cs in calls:
            for pidx, (ps, pid) in enumerate(zip(paramsets, idlist)):
                new = cs.copy() if cs is not None else CallSpec()
                for a, v in zip(argnames, ps.values):
                    if a in new.funcargs or a in new.params:
                        raise CollectError("duplicate '%s'" % a)
                    if a in ind:
                        new.params[a] = v
                    else:
                        new.funcargs[a] = v
                    new.indices[a] = pidx
                    new.scopes[a] = scope
                new.ids.append(pid)
                new.marks.extend(getattr(m, "mark", m) for m in ps.marks)
                out.append(new)
        return out

    # ------------------------------------------------------------ xunit


class _PS:
    __slots__ = ("values", "marks", "id")

    def __init__(self, values, marks, id):
        self.values = values
        self.marks = marks
        self.id = id


def _as_paramset(v, force_tuple):
    if compat.is_parameterset(v):
        return _PS(tuple(v.values), list(v.marks), v.id)
    if force_tuple:
        return _PS((v,), [], None)
    return _PS(tuple(v), [], None)


def _parse_argnames(argnames=None, argvalues=(), *args, **kwargs):
    if isinstance(argnames, str):
        argnames = [x.strip() for x in argnames.split(",") if x.strip()]
    else:
        argnames = list(argnames or [])
    return argnames, list(argvalues)


# (id(mark), id(func)) -> (mark, func, argnames, argvalues). pytest lists a mark's
# argvalues once per test function: a generator given to @parametrize yields all
# its values to that function (however often the harness reads the mark, or
# collects the module again), and nothing to the next method of a marked class.
_mark_values = {}


def _mark_argnames(mark, func):
    key = (id(mark), id(func))
    hit = _mark_values.get(key)
    if hit is not None and hit[0] is mark and hit[1] is func:
        return hit[2], hit[3]
    argnames, argvalues = _parse_argnames(*mark.args, **mark.kwargs)
    _mark_values[key] = (mark, func, argnames, argvalues)
    return argnames, argvalues


def _default_arg_names(func):
    try:
        return {p.name for p in inspect.signature(func).parameters.values()
                if p.default is not p.empty}
    except (TypeError, ValueError):
        return set()


def _func_where(func):
    try:
        code = func.__code__
        # pytest's getfslineno: co_firstlineno (the first decorator's line) counted from 0.
        return "%s:%d" % (code.co_filename, code.co_firstlineno - 1)
    except AttributeError:
        return "?"


class Metafunc:
    """The ``metafunc`` a ``pytest_generate_tests`` hook receives."""

    def __init__(self, collector, item, calls, closure, func):
        self._collector = collector
        self._item = item
        self._calls = calls
        self.fixturenames = list(closure)
        self.function = func
        self.cls = item.cls
        self.module = item.module
        self.config = collector.config
        self.definition = item

    def parametrize(self, argnames, argvalues, indirect=False, ids=None, scope=None, **_kw):
        names, values = _parse_argnames(argnames, argvalues)
        force = isinstance(argnames, str) and len(names) == 1
        self._calls = self._collector.parametrize(
            self._item, self._calls, names, values, indirect, ids, scope, self.fixturenames,
            self.function, force)
