"""Import-time assert rewriting for test modules and conftest files.

Each rewritten code object is cached on disk, keyed by a hash of the source,
the path, the Python version and this rewriter's version, so a file pays for
parsing and rewriting once per change.
"""
import ast
import fnmatch
import importlib.machinery
import marshal
import os
import sys
import warnings

from . import assertrepr  # noqa: F401 - rewritten modules import it by name
from . import compat

try:
    from _blake2 import blake2b as _blake2b  # hashlib's, without loading OpenSSL (~8 ms)
except ImportError:  # pragma: no cover
    from hashlib import blake2b as _blake2b

REWRITE_VERSION = b"fastest-rewrite-8"
_OPS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
        ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}


def default_cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "fastest", "rewrite")


class RewriteFinder(compat.MetaPathFinder):
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
    """The rewritten code object of one file. Warnings the rewriter (pytest's
    PytestAssertRewriteWarning for an assert of a tuple) and the compiler (invalid
    escape sequences, ...) give are kept with the cached code and given again when pytest
    would compile the file again too: it has no pyc of its own for it (pytest writes
    one only where bytecode may be written), so the warnings summary agrees."""
    h = _blake2b(digest_size=20)
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
    rewriter = AssertRewriter(path)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        tree = ast.parse(source, filename=path)
        if not _dont_rewrite(tree):
            rewriter.visit_module(tree)
        code = compile(tree, path, "exec", dont_inherit=True)
    found = tuple(rewriter.warnings) + tuple(
        (str(w.message), w.category.__name__, w.filename, w.lineno) for w in seen
        if w.category.__name__ in _COMPILE_WARNINGS)
    if not _pytest_pyc_exists(path):
        _warn_again(found)
    if cfile:
        _store(cfile, (code, found))
    return code


_COMPILE_WARNINGS = {"DeprecationWarning": DeprecationWarning, "SyntaxWarning": SyntaxWarning}


class _AssertRewriteWarning(UserWarning):
    """Stands for pytest's PytestAssertRewriteWarning while pytest is not imported."""


_AssertRewriteWarning.__name__ = _AssertRewriteWarning.__qualname__ = "PytestAssertRewriteWarning"
_AssertRewriteWarning.__module__ = "pytest"


def _category(name):
    if name == "PytestAssertRewriteWarning":
        mod = sys.modules.get("_pytest.warning_types")
        return getattr(mod, name, _AssertRewriteWarning)
    return _COMPILE_WARNINGS[name]


def _warn_again(found):
    for message, category, filename, lineno in found:
        warnings.warn_explicit(message, _category(category), filename, lineno)


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


_UNARY = {ast.Not: "not %s", ast.Invert: "~%s", ast.USub: "-%s", ast.UAdd: "+%s"}
_BINARY = {ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.LShift: "<<", ast.RShift: ">>",
           ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
           ast.Mod: "%%", ast.Pow: "**", ast.MatMult: "@"}  # "%%": the text is %-formatted


def _name(id_):
    return ast.Name(id_, ast.Load())


def _helper(name, *args):
    return ast.Call(ast.Attribute(_name("@fw_ar"), name, ast.Load()), list(args), [])


class AssertRewriter(ast.NodeVisitor):
    """pytest's assertion rewriting scheme: each sub-expression of an assert is evaluated
    once into a temp (a plain name stays itself), and the failure path builds pytest's
    explanation from them: %-placeholders filled only when the assert fails, ``\\n{``/``\\n}``
    nesting for the ``where`` lines of calls and attributes, the boolean operands that
    were evaluated, the comparison handed to pytest's ``assertrepr_compare`` rules."""

    def __init__(self, path=""):
        self.n = 0
        self.path = path
        self.warnings = []  # (message, category name, filename, lineno), in pytest's order

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
        self._rewrite_asserts(mod)
        mod.body[pos:pos] = imports
        ast.fix_missing_locations(mod)

    def _rewrite_asserts(self, root):
        """Every assert statement below ``root`` (expressions hold none) becomes its rewrite."""
        todo = [root]
        while todo:
            node = todo.pop()
            for field, value in ast.iter_fields(node):
                if isinstance(value, list):
                    out = []
                    for child in value:
                        if isinstance(child, ast.Assert):
                            out.extend(self.visit_Assert(child))
                        else:
                            out.append(child)
                            if isinstance(child, ast.AST) and not isinstance(child, ast.expr):
                                todo.append(child)
                    value[:] = out
                elif isinstance(value, ast.AST) and not isinstance(value, ast.expr):
                    todo.append(value)

    # ----------------------------------------------------------- state of one assert

    def _fresh(self, prefix):
        self.n += 1
        return "@fw_%s%d" % (prefix, self.n)

    def _assign(self, expr):
        """``expr`` into a new temp in the evaluating statements; its Name."""
        name = self._fresh("v")
        self.temps.append(name)
        self.stmts.append(ast.Assign([ast.Name(name, ast.Store())], expr))
        return _name(name)

    def _param(self, expr):
        """A placeholder for ``expr``'s text in the current format context."""
        key = self._fresh("p")[4:]
        self.contexts[-1][key] = expr
        return "%(" + key + ")s"

    def _open(self):
        self.contexts.append({})

    def _close(self, template):
        """Fill the innermost context's placeholders into ``template`` (failure path only)."""
        ctx = self.contexts.pop()
        filled = ast.BinOp(template, ast.Mod(), ast.Dict([ast.Constant(k) for k in ctx],
                                                          list(ctx.values())))
        name = self._fresh("f")
        self.on_fail.append(ast.Assign([ast.Name(name, ast.Store())], filled))
        return _name(name)

    def _shown(self, expr):
        return self._param(_helper("expl_repr", expr))

    # ----------------------------------------------------------- the statement

    def visit_Assert(self, node):
        if isinstance(node.test, ast.Tuple) and len(node.test.elts) >= 1:
            self.warnings.append(("assertion is always true, perhaps remove parentheses?",
                                  "PytestAssertRewriteWarning", self.path, node.lineno))
        self.stmts, self.temps, self.on_fail, self.contexts = [], [], [], []
        self._open()
        cond, expl = self.visit(node.test)
        if node.msg is not None:
            head = _helper("format_assertmsg", node.msg)
            expl = "\n>assert " + expl
        else:
            head = ast.Constant("")
            expl = "assert " + expl
        text = self._close(ast.BinOp(head, ast.Add(), ast.Constant(expl)))
        exc = ast.Call(ast.Attribute(_name("@fw_builtins"), "AssertionError", ast.Load()),
                       [_helper("format_explanation", text)], [])
        self.on_fail.append(ast.Raise(exc=exc, cause=None))
        self.stmts.append(ast.If(ast.UnaryOp(ast.Not(), cond), self.on_fail, []))
        if self.temps:  # drop the references the temps hold (sys.getrefcount, __del__)
            self.stmts.append(ast.Assign([ast.Name(t, ast.Store()) for t in self.temps],
                                         ast.Constant(None)))
        for stmt in self.stmts:
            for sub in ast.walk(stmt):
                ast.copy_location(sub, node)
        return self.stmts

    # ----------------------------------------------------------- expressions

    def generic_visit(self, node):
        res = self._assign(node)
        return res, self._shown(res)

    def visit_Name(self, node):
        # A local, or a global that is no function, class or module: its repr; else its name.
        shown = ast.BoolOp(ast.Or(), [
            ast.Compare(ast.Constant(node.id), [ast.In()],
                        [ast.Call(ast.Attribute(_name("@fw_builtins"), "locals", ast.Load()), [], [])]),
            _helper("repr_global", node)])
        return node, self._param(ast.IfExp(shown, _helper("expl_repr", node), ast.Constant(node.id)))

    def visit_BoolOp(self, node):
        result = self._fresh("v")
        self.temps.append(result)
        shown = self._assign(ast.List([], ast.Load()))
        append = ast.Attribute(shown, "append", ast.Load())
        is_or = isinstance(node.op, ast.Or)
        outer_stmts, outer_fail = self.stmts, self.on_fail
        self._open()
        last = len(node.values) - 1
        for i, value in enumerate(node.values):
            if i:
                # On failure, operand i's text is shown only if it was evaluated.
                inner_fail = []
                self.on_fail.append(ast.If(went_on, inner_fail, []))
                self.on_fail = inner_fail
            self._open()
            res, expl = self.visit(value)
            self.stmts.append(ast.Assign([ast.Name(result, ast.Store())], res))
            self.on_fail.append(ast.Expr(ast.Call(append, [self._close(ast.Constant(expl))], [])))
            if i < last:
                went_on = ast.UnaryOp(ast.Not(), res) if is_or else res
                inner = []
                self.stmts.append(ast.If(went_on, inner, []))
                self.stmts = inner
        self.stmts, self.on_fail = outer_stmts, outer_fail
        text = self._close(_helper("format_boolop", shown, ast.Constant(is_or)))
        return _name(result), self._param(text)

    def visit_UnaryOp(self, node):
        res, expl = self.visit(node.operand)
        return self._assign(ast.UnaryOp(node.op, res)), _UNARY[type(node.op)] % (expl,)

    def visit_BinOp(self, node):
        left, lexpl = self.visit(node.left)
        right, rexpl = self.visit(node.right)
        res = self._assign(ast.BinOp(left, node.op, right))
        return res, "(%s %s %s)" % (lexpl, _BINARY[type(node.op)], rexpl)

    def visit_Call(self, node):
        func, fexpl = self.visit(node.func)
        args, kwargs, shown = [], [], []
        for a in node.args:
            res, expl = self.visit(a)
            args.append(res)
            shown.append(expl)
        for k in node.keywords:
            res, expl = self.visit(k.value)
            kwargs.append(ast.keyword(k.arg, res))
            shown.append(("%s=%s" % (k.arg, expl)) if k.arg else "**" + expl)
        res = self._assign(ast.Call(func, args, kwargs))
        value = self._shown(res)
        return res, "%s\n{%s = %s(%s)\n}" % (value, value, fexpl, ", ".join(shown))

    def visit_Starred(self, node):
        res, expl = self.visit(node.value)
        return ast.Starred(res, node.ctx), "*" + expl

    def visit_Attribute(self, node):
        if not isinstance(node.ctx, ast.Load):
            return self.generic_visit(node)
        base, bexpl = self.visit(node.value)
        res = self._assign(ast.Attribute(base, node.attr, ast.Load()))
        value = self._shown(res)
        return res, "%s\n{%s = %s.%s\n}" % (value, value, bexpl, node.attr)

    def visit_Compare(self, node):
        self._open()
        left, lexpl = self.visit(node.left)
        if isinstance(node.left, (ast.Compare, ast.BoolOp)):
            lexpl = "(%s)" % lexpl
        results = [self._fresh("v") for _ in node.ops]
        self.temps.extend(results)
        operands, syms, expls = [left], [], []
        for i, (op, right) in enumerate(zip(node.ops, node.comparators)):
            rres, rexpl = self.visit(right)
            if isinstance(right, (ast.Compare, ast.BoolOp)):
                rexpl = "(%s)" % rexpl
            operands.append(rres)
            sym = _OPS[type(op)]
            syms.append(ast.Constant(sym))
            expls.append(ast.Constant("%s %s %s" % (lexpl, sym, rexpl)))
            self.stmts.append(ast.Assign([ast.Name(results[i], ast.Store())],
                                         ast.Compare(left, [op], [rres])))
            left, lexpl = rres, rexpl
        text = _helper("reprcompare", ast.Tuple(syms, ast.Load()),
                       ast.Tuple([_name(r) for r in results], ast.Load()),
                       ast.Tuple(expls, ast.Load()), ast.Tuple(operands, ast.Load()))
        cond = _name(results[0]) if len(results) == 1 else ast.BoolOp(
            ast.And(), [_name(r) for r in results])
        return cond, self._param(self._close(text))


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
