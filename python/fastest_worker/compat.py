"""Reading pytest's objects without importing pytest.

pytest is never imported by the harness: a test module that uses pytest
imports it itself, and everything pytest leaves on user objects (marks,
fixture markers, parameter sets) is read here by duck typing. Exception
classes are looked up in ``sys.modules`` when needed.
"""
import enum
import re
import sys

try:
    # importlib.abc.Loader itself, without importlib.abc's own imports (typing,
    # importlib.resources: ~20 ms of every worker's start-up).
    from importlib._abc import Loader
except ImportError:  # pragma: no cover - before 3.10
    from importlib.abc import Loader


class MetaPathFinder:
    """The interface of importlib.abc.MetaPathFinder, for the same reason as Loader."""

    def invalidate_caches(self):
        pass

_Pattern = type(re.compile(""))


class Mark:
    """A mark made by the harness itself (same shape as pytest's Mark)."""

    __slots__ = ("name", "args", "kwargs")

    def __init__(self, name, args=(), kwargs=None):
        self.name = name
        self.args = tuple(args)
        self.kwargs = kwargs or {}

    def __repr__(self):
        return "Mark(name=%r, args=%r, kwargs=%r)" % (self.name, self.args, self.kwargs)


def get_marks(obj):
    """Marks stored on ``obj`` by ``@pytest.mark.*`` (closest decorator first)."""
    try:
        marks = getattr(obj, "pytestmark", None)
    except Exception:
        return []
    if not marks:
        return []
    if not isinstance(marks, (list, tuple)):
        marks = [marks]
    out = []
    for m in marks:
        m = getattr(m, "mark", m)
        if isinstance(getattr(m, "name", None), str) and hasattr(m, "args"):
            out.append(m)
    return out


class FixtureSpec:
    """What ``@pytest.fixture`` recorded on a function."""

    __slots__ = ("func", "scope", "params", "autouse", "ids", "name")

    def __init__(self, func, scope, params, autouse, ids, name):
        self.func = func
        self.scope = scope
        self.params = params
        self.autouse = autouse
        self.ids = ids
        self.name = name


def _marker_spec(func, m):
    params = getattr(m, "params", None)
    return FixtureSpec(func, getattr(m, "scope", "function") or "function",
                       tuple(params) if params is not None else None,
                       bool(getattr(m, "autouse", False)), getattr(m, "ids", None),
                       getattr(m, "name", None))


def fixture_spec(obj):
    """FixtureSpec when ``obj`` is a pytest fixture (pytest 7 or 8), else None."""
    try:
        m = getattr(obj, "_fixture_function_marker", None)  # pytest >= 8.4
        if m is not None and type(m).__name__ == "FixtureFunctionMarker":
            raw = getattr(obj, "_fixture_function", None)
            if raw is None:
                raw = obj._get_wrapped_function()
            return _marker_spec(raw, m)
        m = getattr(obj, "_pytestfixturefunction", None)  # pytest <= 8.3
        if m is None or type(m).__name__ != "FixtureFunctionMarker":
            return None
    except Exception:
        return None
    return _marker_spec(get_real_func(obj), m)


def location_func(obj):
    """pytest's get_real_func, as its getfslineno uses it for a test's location: through
    ``__wrapped__`` (functools.wraps: @unittest.skipIf, @mock.patch) up to a fixture's
    ``__pytest_wrapped__``, then a partial's function."""
    for _ in range(100):
        wrapped = getattr(obj, "__pytest_wrapped__", None)
        if wrapped is not None and hasattr(wrapped, "obj"):
            obj = wrapped.obj
            break
        inner = getattr(obj, "__wrapped__", None)
        if inner is None:
            break
        obj = inner
    import functools
    return obj.func if isinstance(obj, functools.partial) else obj


def get_real_func(obj):
    for _ in range(100):
        wrapped = getattr(obj, "__pytest_wrapped__", None)
        if wrapped is not None:
            obj = wrapped.obj
            continue
        break
    return obj


def is_parameterset(v):
    return type(v).__name__ == "ParameterSet" and hasattr(v, "values") and hasattr(v, "marks")


_outcomes = None


def outcome_types():
    """(Skipped, XFailed, Failed, Exit) from pytest when it was imported, else Nones."""
    global _outcomes
    if _outcomes is not None:
        return _outcomes
    mod = sys.modules.get("_pytest.outcomes")
    if mod is None:
        return (_Never, _Never, _Never, _Never)
    _outcomes = (mod.Skipped, mod.XFailed, mod.Failed, mod.Exit)
    return _outcomes


def untraced_fail(exc):
    """``pytest.fail(..., pytrace=False)``: pytest reports it in the "value" style, the
    message alone (no traceback, no crash line)."""
    failed_t = outcome_types()[2]
    return isinstance(exc, failed_t) and not getattr(exc, "pytrace", True)


class _Never(Exception):
    """Stands for a pytest exception class while pytest is not imported."""


def _unittest_skip():
    """unittest.SkipTest once user code imported unittest, else a class nothing raises.
    The harness does not import unittest itself (~30 ms of every worker's start-up)."""
    ut = sys.modules.get("unittest")
    skip = getattr(ut, "SkipTest", None) if ut is not None else None
    return skip if skip is not None else _Never


def is_unittest_skip(e):
    return isinstance(e, _unittest_skip())


def is_unittest_case(cls):
    """A unittest.TestCase subclass (none exists before user code imports unittest)."""
    ut = sys.modules.get("unittest")
    case = getattr(ut, "TestCase", None) if ut is not None else None
    return case is not None and isinstance(cls, type) and issubclass(cls, case)


def skip_types():
    return (outcome_types()[0], _unittest_skip())


def make_skip(reason):
    """An exception that skips the current test (pytest's when loaded)."""
    skipped = outcome_types()[0]
    if skipped is _Never:
        import unittest
        return unittest.SkipTest(reason)
    return skipped(reason)


# ---------------------------------------------------------------- ids


class _NotSet(enum.Enum):
    token = 0


NOTSET = _NotSet.token

_non_printable = {i: "\\x%02x" % i for i in range(128) if i not in range(32, 127)}
_non_printable.update({ord("\t"): "\\t", ord("\r"): "\\r", ord("\n"): "\\n"})


def ascii_escaped(val):
    if isinstance(val, bytes):
        ret = val.decode("ascii", "backslashreplace")
    else:
        ret = val.encode("unicode_escape").decode("ascii")
    return ret.translate(_non_printable)


class IdError(Exception):
    pass


def idval_from_value(val, ini):
    if isinstance(val, (str, bytes)):
        if ini.get("disable_test_id_escaping_and_forfeit_all_rights_to_community_support") \
                in ("true", "True", "1", True):
            return val if isinstance(val, str) else ascii_escaped(val)
        return ascii_escaped(val)
    if val is None or isinstance(val, (float, int, bool, complex)):
        return str(val)
    if isinstance(val, _Pattern):
        return ascii_escaped(val.pattern)
    if val is NOTSET or type(val).__name__ == "NotSetType":
        return None
    if isinstance(val, enum.Enum):
        return str(val)
    name = getattr(val, "__name__", None)
    if isinstance(name, str):
        return name
    return None


def make_ids(argnames, paramsets, ids, idfn, ini, where):
    """pytest's ids for one parametrization: list of str, unique."""
    out = []
    for idx, ps in enumerate(paramsets):
        if ps.id is not None:
            out.append(ps.id)
        elif ids and idx < len(ids) and ids[idx] is not None:
            v = idval_from_value(ids[idx], ini)
            if v is None:
                raise IdError(
                    "In %s: ids contains unsupported value %r (type: %r) at index %d. "
                    "Supported types are: str, bytes, int, float, complex, bool, enum, "
                    "regex or anything with a __name__." % (where, ids[idx], type(ids[idx]), idx))
            out.append(v)
        else:
            parts = []
            for val, argname in zip(ps.values, argnames):
                v = None
                if idfn is not None:
                    try:
                        r = idfn(val)
                    except Exception as e:
                        raise IdError(
                            "%s: error raised while trying to determine id of parameter "
                            "'%s' at position %d" % (where, argname, idx)) from e
                    if r is not None:
                        v = idval_from_value(r, ini)
                if v is None:
                    v = idval_from_value(val, ini)
                if v is None:
                    v = "%s%d" % (argname, idx)
                parts.append(v)
            out.append("-".join(parts))
    if len(set(out)) != len(out):
        counts = {}
        for i in out:
            counts[i] = counts.get(i, 0) + 1
        suffix = {}
        for index, i in enumerate(out):
            if counts[i] > 1:
                n = suffix.get(i, 0)
                out[index] = "%s%d" % (i, n)
                suffix[i] = n + 1
    return out


# ---------------------------------------------------------------- -k / -m


class ExprError(Exception):
    pass


_TOKEN = re.compile(r"\s*(?:(\()|(\))|((?:\w|:|\+|-|\.|\[|\]|\\|/)+))")


def _tokenize(text):
    pos = 0
    toks = []
    n = len(text)
    while pos < n:
        if text[pos].isspace():
            pos += 1
            continue
        m = _TOKEN.match(text, pos)
        if not m:
            raise ExprError('at column %d: unexpected character "%s"' % (pos + 1, text[pos]))
        if m.group(1):
            toks.append(("(", None))
        elif m.group(2):
            toks.append((")", None))
        else:
            word = m.group(3)
            toks.append((word if word in ("or", "and", "not") else "ident", word))
        pos = m.end()
    toks.append(("eof", None))
    return toks


def compile_expr(text):
    """Compile a -k/-m expression to a function(matcher) -> bool."""
    toks = _tokenize(text)
    pos = [0]

    def peek():
        return toks[pos[0]][0]

    def take(kind):
        if toks[pos[0]][0] != kind:
            raise ExprError("expected %s; got %s" % (kind, toks[pos[0]][0]))
        tok = toks[pos[0]]
        pos[0] += 1
        return tok

    def expr():
        left = and_expr()
        while peek() == "or":
            take("or")
            right = and_expr()
            left = (lambda a, b: lambda m: a(m) or b(m))(left, right)
        return left

    def and_expr():
        left = not_expr()
        while peek() == "and":
            take("and")
            right = not_expr()
            left = (lambda a, b: lambda m: a(m) and b(m))(left, right)
        return left

    def not_expr():
        k = peek()
        if k == "not":
            take("not")
            inner = not_expr()
            return lambda m: not inner(m)
        if k == "(":
            take("(")
            inner = expr()
            take(")")
            return inner
        word = take("ident")[1]
        return lambda m: m(word)

    if peek() == "eof":
        return lambda m: True
    result = expr()
    take("eof")
    return result
