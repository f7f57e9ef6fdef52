"""Import-time assert rewriting for test modules and conftest files.

Each rewritten code object is cached on disk, keyed by a hash of the source,
the path, the Python version and this rewriter's version, so a file pays for
parsing and rewriting once per change.
"""
import ast
import re
import fnmatch
import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import marshal
import os
import sys
import warnings

from . import assertrepr  # noqa: F401 - rewritten modules import it by name

REWRITE_VERSION = b"fastest-rewrite-6"
_OPS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
        ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}


def default_cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "fastest", "rewrite")


class RewriteFinder(importlib.abc.MetaPathFinder):
    def __init__(self, patterns, cache_dir):
        self.patterns = patterns
        self.cache_dir = cache_dir
        self._busy = False
        self.marked = set()  # pytest.register_assert_rewrite names, plugin modules

    def _wanted(self, filename):
        if filename == "conftest.py":
            return True
        for p in self.patterns:
            if fnmatch.fnmatch(filename, p):
                return True
        return False

    def is_marked(self, name):
        """pytest's _is_marked_for_rewrite: the name or a submodule of it was marked."""
        marked = self.marked
        if not marked:
            return False
        if name in marked:
            return True
        parts = name.split(".")
        return any(".".join(parts[:i]) in marked for i in range(1, len(parts)))

    def mark_rewrite(self, *names):
        """pytest's AssertionRewritingHook.mark_rewrite: those modules (and their
        submodules) are rewritten when imported; one imported already is warned about."""
        already = [n for n in names if n in sys.modules and n not in self.marked
                   and "PYTEST_DONT_REWRITE" not in (getattr(sys.modules[n], "__doc__", "") or "")
                   and not isinstance(getattr(sys.modules[n], "__loader__", None), RewriteLoader)]
        self.marked.update(names)
        for name in already:
            _warn_already_imported(name)

    def find_spec(self, name, path=None, target=None):
        if self._busy:
            return None
        base = name.rpartition(".")[2] + ".py"
        marked = self.is_marked(name)
        if not marked and not self._wanted(base):
            return None
        self._busy = True
        try:
            spec = importlib.machinery.PathFinder.find_spec(name, path)
        finally:
            self._busy = False
        if spec is None or spec.origin is None or not isinstance(
                spec.loader, importlib.machinery.SourceFileLoader):
            return None
        if not marked and os.path.basename(spec.origin) != base:
            return None
        spec.loader = RewriteLoader(spec.name, spec.origin, self.cache_dir)
        return spec


class RewriteLoader(importlib.machinery.SourceFileLoader):
    def __init__(self, fullname, path, cache_dir):
        super().__init__(fullname, path)
        self.cache_dir = cache_dir

    def get_code(self, fullname):
        path = self.get_filename(fullname)
        source = self.get_data(path)
        return load_code(source, path, self.cache_dir)

    def exec_module(self, module):
        # As pytest's loader executes the code itself: an import's traceback then has no
        # frames of importlib's exec_module between the frozen import frames and the file.
        exec(self.get_code(module.__name__), module.__dict__)


def load_code(source, path, cache_dir):
    """The rewritten code object of one file. Warnings the compiler gives (invalid
    escape sequences, ...) are kept with the cached code and given again when pytest
    would compile the file again too: it has no pyc of its own for it (pytest writes
    one only where bytecode may be written), so the warnings summary agrees."""
    h = hashlib.blake2b(digest_size=20)
    h.update(REWRITE_VERSION)
    h.update(sys.version.encode())
    h.update(path.encode("utf-8", "surrogateescape"))
    h.update(b"\0")
    h.update(source)
    key = h.hexdigest()
    cfile = os.path.join(cache_dir, key[:2], key + ".bin") if cache_dir else None
    if cfile:
        try:
            with open(cfile, "rb") as f:
                code, found = marshal.loads(f.read())
            if found and not _pytest_pyc_exists(path):
                _warn_again(found)
            return code
        except (OSError, ValueError, EOFError, TypeError):
            pass
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        tree = ast.parse(source, filename=path)
        text = None
        if not _dont_rewrite(tree):
            try:
                text = importlib.util.decode_source(source)
            except Exception:
                text = None
            AssertRewriter(text).visit_module(tree)
        code = compile(tree, path, "exec", dont_inherit=True)
    found = tuple((str(w.message), w.category.__name__, w.filename, w.lineno) for w in seen
                  if w.category.__name__ in _COMPILE_WARNINGS)
    _warn_again(found)
    if cfile:
        _store(cfile, (code, found))
    return code


_COMPILE_WARNINGS = {"DeprecationWarning": DeprecationWarning, "SyntaxWarning": SyntaxWarning}


def _warn_again(found):
    for message, category, filename, lineno in found:
        warnings.warn_explicit(message, _COMPILE_WARNINGS[category], filename, lineno)


def _pytest_pyc_exists(path):
    """Whether pytest has its own rewritten pyc of this file (then it compiles nothing)."""
    d, base = os.path.split(path)
    prefix = "%s.%s-pytest-" % (base[:-3], sys.implementation.cache_tag)
    try:
        return any(n.startswith(prefix) for n in os.listdir(os.path.join(d, "__pycache__")))
    except OSError:
        return False


def _store(cfile, code):
    try:
        os.makedirs(os.path.dirname(cfile), exist_ok=True)
        tmp = "%s.%d.tmp" % (cfile, os.getpid())
        with open(tmp, "wb") as f:
            f.write(marshal.dumps(code))  # (code, compile warnings)
        os.replace(tmp, cfile)
    except OSError:
        pass


def _dont_rewrite(tree):
    doc = ast.get_docstring(tree, clean=False)
    return bool(doc) and "PYTEST_DONT_REWRITE" in doc


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _split_lines(source):
    """Lines with their ends, split only at \\r\\n, \\r and \\n (as ast's own helper splits)."""
    return _LINE.findall(source)


def _source_segment(lines, node):
    """ast.get_source_segment over lines split once: the per-call split made rewriting a
    module with many asserts quadratic (mpmath's test_fp.py: 40 s)."""
    end_lineno, end_col = getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None)
    if end_lineno is None or end_col is None:
        return None
    first, last = node.lineno - 1, end_lineno - 1
    if first == last:
        return lines[first].encode()[node.col_offset:end_col].decode()
    parts = [lines[first].encode()[node.col_offset:].decode()]
    parts.extend(lines[first + 1:last])
    parts.append(lines[last].encode()[:end_col].decode())
    return "".join(parts)


class AssertRewriter(ast.NodeTransformer):
    def __init__(self, source):
        self.source = source
        self.lines = None  # the source's lines, split once (ast.get_source_segment splits per call)
        self.n = 0

    def visit_module(self, mod):
        body = mod.body
        pos = 0
        if body and isinstance(body[0], ast.Expr) and isinstance(
                getattr(body[0], "value", None), ast.Constant) and isinstance(body[0].value.value, str):
            pos = 1
        while pos < len(body) and isinstance(body[pos], ast.ImportFrom) and \
                body[pos].module == "__future__":
            pos += 1
        lineno = body[pos].lineno if pos < len(body) else 1
        imports = [ast.Import(names=[ast.alias(name="builtins", asname="@fw_builtins")]),
                   ast.Import(names=[ast.alias(name="fastest_worker.assertrepr", asname="@fw_ar")])]
        for imp in imports:
            imp.lineno = lineno
            imp.col_offset = 0
            imp.end_lineno = lineno
            imp.end_col_offset = 0
        self.visit(mod)
        mod.body[pos:pos] = imports
        ast.fix_missing_locations(mod)

    def _tmp(self):
        self.n += 1
        return "@fw_%d" % self.n

    def _src(self, node):
        if self.source is None:
            return None
        if self.lines is None:
            self.lines = _split_lines(self.source)
        try:
            s = _source_segment(self.lines, node)
        except Exception:
            return None
        if s is None:
            return None
        return " ".join(s.split()) if "\n" in s else s

    def visit_Assert(self, node):
        test = node.test
        stmts = []
        loc = node

        def assign(name, value):
            a = ast.Assign(targets=[ast.Name(name, ast.Store())], value=value)
            ast.copy_location(a, loc)
            stmts.append(a)

        def load(name):
            return ast.Name(name, ast.Load())

        msg = node.msg if node.msg is not None else ast.Constant(None)
        temps = []

        def tmp():
            name = self._tmp()
            temps.append(name)
            return name

        def held(expr):
            """``expr`` into a temp, except a plain name, which pytest's rewriting also
            leaves as it is: a temp would be one more reference (``sys.getrefcount``)."""
            if isinstance(expr, ast.Name) and isinstance(expr.ctx, ast.Load):
                return expr.id
            t = tmp()
            assign(t, expr)
            return t

        def operand(expr):
            """Evaluate ``expr`` into a temp; return (temp, display AST) for a where-line."""
            if isinstance(expr, ast.Attribute) and isinstance(expr.ctx, ast.Load):
                base, val = tmp(), tmp()
                assign(base, expr.value)
                assign(val, ast.Attribute(load(base), expr.attr, ast.Load()))
                disp = ast.Call(func=ast.Attribute(load("@fw_ar"), "attr_where", ast.Load()),
                                args=[load(base), ast.Constant(self._src(expr.value)),
                                      ast.Constant(expr.attr)], keywords=[])
                return val, disp
            if isinstance(expr, ast.Call) and not any(
                    isinstance(a, ast.Starred) for a in expr.args) and all(
                    k.arg is not None for k in expr.keywords):
                fn = tmp()
                assign(fn, expr.func)
                args = []
                for a in expr.args:
                    args.append(held(a))
                kws = []
                for k in expr.keywords:
                    kws.append((k.arg, held(k.value), k.value))
                val = tmp()
                assign(val, ast.Call(func=load(fn), args=[load(t) for t in args],
                                     keywords=[ast.keyword(arg=n, value=load(t))
                                               for n, t, _ in kws]))
                disp = ast.Call(
                    func=ast.Attribute(load("@fw_ar"), "call_where", ast.Load()),
                    args=[ast.Constant(self._src(expr.func)),
                          ast.List(elts=[load(t) for t in args], ctx=ast.Load()),
                          ast.Constant(tuple(self._src(a) for a in expr.args)),
                          ast.Constant(tuple(n for n, _, _ in kws)),
                          ast.List(elts=[load(t) for _, t, _ in kws], ctx=ast.Load()),
                          ast.Constant(tuple(self._src(v) for _, _, v in kws))],
                    keywords=[])
                return val, disp
            return held(expr), ast.Constant(self._src(expr))

        if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _OPS:
            lname, ldisp = operand(test.left)
            rname, rdisp = operand(test.comparators[0])
            cond = ast.Compare(left=load(lname), ops=test.ops, comparators=[load(rname)])
            expl = ast.Call(
                func=ast.Attribute(load("@fw_ar"), "compare", ast.Load()),
                args=[ast.Constant(_OPS[type(test.ops[0])]), load(lname), load(rname), msg,
                      ldisp, rdisp],
                keywords=[])
        elif isinstance(test, (ast.Call, ast.Attribute)):
            vname, disp = operand(test)
            cond = load(vname)
            expl = ast.Call(func=ast.Attribute(load("@fw_ar"), "generic", ast.Load()),
                            args=[load(vname), msg, disp], keywords=[])
        elif isinstance(test, ast.BoolOp):
            # Keep short-circuiting; remember each operand that was evaluated.
            lst, vname = tmp(), tmp()
            assign(lst, ast.List(elts=[], ctx=ast.Load()))
            parts = []
            for operand in test.values:
                append = ast.Call(func=ast.Attribute(load(lst), "append", ast.Load()),
                                  args=[operand], keywords=[])
                index = ast.Constant(-1)
                if sys.version_info < (3, 9):
                    index = ast.Index(index)
                last = ast.Subscript(value=load(lst), slice=index, ctx=ast.Load())
                parts.append(ast.BoolOp(op=ast.Or(), values=[append, last]))
            assign(vname, ast.BoolOp(op=test.op, values=parts))
            cond = load(vname)
            expl = ast.Call(func=ast.Attribute(load("@fw_ar"), "boolop", ast.Load()),
                            args=[ast.Constant("and" if isinstance(test.op, ast.And) else "or"),
                                  load(lst), msg], keywords=[])
        elif isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            vname = tmp()
            assign(vname, test.operand)
            cond = ast.UnaryOp(ast.Not(), load(vname))
            expl = ast.Call(func=ast.Attribute(load("@fw_ar"), "negation", ast.Load()),
                            args=[load(vname), msg, ast.Constant(self._src(test.operand))],
                            keywords=[])
        else:
            vname = tmp()
            assign(vname, test)
            cond = load(vname)
            expl = ast.Call(func=ast.Attribute(load("@fw_ar"), "generic", ast.Load()),
                            args=[load(vname), msg, ast.Constant(self._src(test))], keywords=[])
        raise_ = ast.Raise(exc=ast.Call(
            func=ast.Attribute(load("@fw_builtins"), "AssertionError", ast.Load()),
            args=[expl], keywords=[]), cause=None)
        if_ = ast.If(test=ast.UnaryOp(ast.Not(), cond), body=[raise_], orelse=[])
        stmts.append(if_)
        clear = ast.Assign(targets=[ast.Name(t, ast.Store()) for t in temps],
                           value=ast.Constant(None))
        if temps:  # `assert x == y` compares the names themselves: nothing to clear
            stmts.append(clear)
        for s in stmts:
            for sub in ast.walk(s):
                if not hasattr(sub, "lineno") or getattr(sub, "lineno", None) is None:
                    pass
            ast.copy_location(s, loc)
        for s in (if_, raise_, clear):  # `clear` is harmless when not in the statements
            _set_loc_tree(s, loc)
        return stmts


def _set_loc_tree(node, loc):
    for sub in ast.walk(node):
        if isinstance(sub, (ast.expr, ast.stmt)) and not hasattr(sub, "_fw_keep"):
            if getattr(sub, "lineno", None) is None or isinstance(sub, (ast.Call, ast.Raise, ast.If,
                                                                      ast.Attribute, ast.Name,
                                                                      ast.Constant, ast.UnaryOp,
                                                                      ast.Compare, ast.Assign)):
                if sub is node or getattr(sub, "lineno", None) is None:
                    sub.lineno = loc.lineno
                    sub.col_offset = loc.col_offset
                    sub.end_lineno = loc.end_lineno
                    sub.end_col_offset = loc.end_col_offset


_installed = None


def _warn_already_imported(name):
    """pytest's PytestAssertRewriteWarning for a module marked after its import."""
    category = getattr(sys.modules.get("pytest"), "PytestAssertRewriteWarning", UserWarning)
    warnings.warn(category("Module already imported so cannot be rewritten: %s" % name),
                  stacklevel=4)


def register_assert_rewrite(*names):
    """``pytest.register_assert_rewrite`` in the native engine (pytest's checks)."""
    for name in names:
        if not isinstance(name, str):
            raise TypeError("expected module names as *args, got: {!r}".format(names))
    if _installed is not None:
        _installed.mark_rewrite(*names)


def serve_register_assert_rewrite(pytest_module):
    """Once the user's code imported pytest: its register_assert_rewrite marks modules
    for the harness's rewriter (pytest's own looks for pytest's import hook)."""
    pytest_module.register_assert_rewrite = register_assert_rewrite
    assertion = sys.modules.get("_pytest.assertion")
    if assertion is not None:
        assertion.register_assert_rewrite = register_assert_rewrite


def install(config):
    """Put the rewriting finder first on sys.meta_path (once per worker)."""
    global _installed
    if _installed is not None:
        return _installed
    pats = config.ini.get("python_files") or ["test_*.py", "*_test.py"]
    if isinstance(pats, str):
        pats = pats.split()
    cache = config.cache_dir or os.environ.get("FASTEST_REWRITE_CACHE") or default_cache_dir()
    finder = RewriteFinder(list(pats), cache)
    sys.meta_path.insert(0, finder)
    _installed = finder
    return finder
