"""``--fixtures`` and ``--fixtures-per-test`` listings in pytest's layout.

pytest's own fixtures are described by reading (never importing) the installed
``_pytest`` and ``xdist`` sources with ``ast``: their names, scopes, docstrings and
the ``path:line`` pytest prints, so the text matches the user's pytest version.
"""
import ast
import importlib.util
import inspect
import os

from .report import sep

_pytest_info = None
DIRECT_PARAM = "<direct parameter>"


def _package_dir(name):
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    locs = getattr(spec, "submodule_search_locations", None) if spec else None
    return list(locs)[0] if locs else None


def _scan(path, module):
    """{name: (module, path, line, scope, doc)} of the module-level fixtures in a file."""
    out = {}
    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError, ValueError):
        return out
    body = list(tree.body)
    for node in tree.body:
        # legacypath registers its tmpdir fixtures from a plugin class (not the
        # testdir one, which needs pytester).
        if isinstance(node, ast.ClassDef) and node.name == "LegacyTmpdirPlugin":
            body.extend(node.body)
    for node in body:
        if isinstance(node, ast.FunctionDef) and node.name == "get_direct_param_fixture_func":
            # What pytest shows for a directly parametrized argument.
            out[DIRECT_PARAM] = (module, path, node.lineno + 1, "function", "")
        if not isinstance(node, ast.FunctionDef) or not node.decorator_list:
            continue
        for dec in node.decorator_list:
            call = dec if isinstance(dec, ast.Call) else None
            target = call.func if call is not None else dec
            tname = getattr(target, "attr", None) or getattr(target, "id", None)
            if tname != "fixture":
                continue
            name, scope = node.name, "function"
            for kw in call.keywords if call is not None else ():
                if kw.arg in ("name", "scope") and isinstance(kw.value, ast.Constant):
                    if kw.arg == "name":
                        name = kw.value.value
                    else:
                        scope = kw.value.value
            # pytest's getlocation: co_firstlineno (the first decorator's line) + 1.
            line = node.decorator_list[0].lineno + 1
            out[name] = (module, path, line, scope, ast.get_docstring(node) or "")
    return out


def pytest_fixtures():
    """pytest's (and pytest-xdist's) builtin fixtures as pytest lists them."""
    global _pytest_info
    if _pytest_info is not None:
        return _pytest_info
    info = {}
    pdir = _package_dir("_pytest")
    if pdir:
        for fn in sorted(os.listdir(pdir)):
            if fn.endswith(".py") and fn != "pytester.py":
                info.update(_scan(os.path.join(pdir, fn), "_pytest." + fn[:-3]))
    xdir = _package_dir("xdist")
    if xdir:
        info.update(_scan(os.path.join(xdir, "plugin.py"), "xdist.plugin"))
    _pytest_info = (pdir, info)
    return _pytest_info


class Entry:
    """One fixture definition as the listings show it."""

    __slots__ = ("name", "scope", "baseid", "module", "pretty", "doc")

    def __init__(self, name, scope, baseid, module, pretty, doc):
        self.name, self.scope, self.baseid = name, scope, baseid
        self.module, self.pretty, self.doc = module, pretty, doc

    def key(self):
        return (len(self.baseid), self.module, self.pretty, self.name)


def _pytest_entry(name, key, cwd):
    pdir, info = pytest_fixtures()
    hit = info.get(key)
    if hit is None:
        return None
    module, path, line, scope, doc = hit
    if pdir and path.startswith(pdir + os.sep):
        pretty = ".../_pytest/%s:%d" % (os.path.relpath(path, pdir), line)
    else:
        pretty = "%s:%d" % (os.path.relpath(path, cwd), line)
    return Entry(name, scope, "", module, pretty, doc)


def direct_param_entry(name, cwd):
    return _pytest_entry(name, DIRECT_PARAM, cwd)


def entry_for(fd, cwd):
    """The listing entry of a harness FixtureDef, or None for one pytest would not show."""
    func = getattr(fd.func, "__func__", fd.func)
    mod = getattr(func, "__module__", "") or ""
    if mod.startswith("fastest_worker."):
        # The harness's builtins stand for pytest's; the xunit/unittest fixtures it
        # injects (baseid of their module or class) are not listed.
        return _pytest_entry(fd.name, fd.name, cwd) if not fd.baseid else None
    try:
        code = func.__code__
        path = os.path.abspath(code.co_filename)
        line = code.co_firstlineno + 1
    except AttributeError:
        return None
    rel = os.path.relpath(path, cwd)
    doc = inspect.getdoc(func) or ""
    return Entry(fd.name, fd.scope, fd.baseid, getattr(func, "__module__", ""),
                 "%s:%d" % (rel, line), doc)


def _write_fixture(out, e, verbose, with_scope):
    out.append(e.name + (" [%s scope]" % e.scope if with_scope and e.scope != "function"
                         else "") + " -- " + e.pretty)
    if e.doc:
        doc = e.doc if verbose > 0 else e.doc.split("\n\n")[0]
        out.extend("    " + line for line in doc.split("\n"))
    else:
        out.append("    no docstring available")


def fixtures_text(entries, verbose):
    """``--fixtures``: every definition, builtins first, by defining module."""
    seen = set()
    unique = []
    for e in entries:
        if (e.name, e.pretty) not in seen:
            seen.add((e.name, e.pretty))
            unique.append(e)
    unique.sort(key=Entry.key)
    out = []
    current = None
    for e in unique:
        if current != e.module and not e.module.startswith("_pytest."):
            out.append("")
            out.append(sep("-", "fixtures defined from %s" % e.module))
            current = e.module
        if verbose <= 0 and e.name.startswith("_"):
            continue
        _write_fixture(out, e, verbose, True)
        out.append("")
    return "".join(line + "\n" for line in out)


def per_test_text(item, entries, verbose, cwd):
    """``--fixtures-per-test`` for one item: its fixtures by name, or "" for none."""
    if not entries:
        return ""
    func = getattr(item.function, "__func__", item.function)
    try:
        code = func.__code__
        where = "%s:%d" % (os.path.relpath(os.path.abspath(code.co_filename), cwd),
                           code.co_firstlineno + 1)
    except AttributeError:
        where = item.nodeid
    out = ["", sep("-", "fixtures used by %s" % item.name), sep("-", "(%s)" % where)]
    for e in sorted(entries, key=lambda e: e.name):
        if verbose <= 0 and e.name.startswith("_"):
            continue
        _write_fixture(out, e, verbose, False)
    return "".join(line + "\n" for line in out)
