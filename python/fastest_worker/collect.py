"""Importing test modules the way pytest does and generating their items."""
import fnmatch
import importlib
import importlib.util
import inspect
import os
import sys
import types
import unittest

from . import compat
from . import fixtures as fx
from .nodes import Item, Module, Class, CallSpec, SCOPE_INDEX


class CollectError(Exception):
    """A module, class or function that cannot be collected; text is the report."""

    def __init__(self, text, line=0):
        Exception.__init__(self, text)
        self.text = text
        self.line = line


class ModuleSkipped(Exception):
    def __init__(self, reason, where):
        Exception.__init__(self, reason)
        self.reason = reason
        self.where = where


def _ini_list(config, name, default):
    v = config.ini.get(name)
    if v is None:
        return default
    if isinstance(v, str):
        v = v.split()
    return list(v) or default


def _matches(name, options):
    for opt in options:
        if name.startswith(opt):
            return True
        if ("*" in opt or "?" in opt or "[" in opt) and fnmatch.fnmatch(name, opt):
            return True
    return False


def resolve_package_path(path):
    """Topmost package dir containing ``path`` (a file or dir), or None."""
    result = None
    d = path if os.path.isdir(path) else os.path.dirname(path)
    while True:
        if not os.path.isfile(os.path.join(d, "__init__.py")):
            break
        if not os.path.basename(d).isidentifier():
            break
        result = d
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    return result


def _is_same(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


def import_path(path, mode, rootdir):
    """Import the file at ``path`` under pytest's import modes."""
    if mode == "importlib":
        rel = os.path.relpath(path[:-3] if path.endswith(".py") else path, rootdir)
        if rel.startswith(".."):
            parts = os.path.abspath(path[:-3]).split(os.sep)[1:]
        else:
            parts = rel.split(os.sep)
        name = ".".join(parts)
        old = sys.modules.get(name)
        if old is not None and _is_same(getattr(old, "__file__", "") or "", path):
            return old
        spec = None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if find is None:
                continue
            spec = find(name, [os.path.dirname(path)])
            if spec is not None:
                break
        if spec is None:
            spec = importlib.util.spec_from_file_location(name, path)
        if spec is None:
            raise ImportError("Can't find module %s at location %s" % (name, path))
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        _insert_missing_modules(name)
        return mod
    pkg = resolve_package_path(path)
    if pkg is not None:
        root = os.path.dirname(pkg)
        rel = os.path.relpath(path[:-3], root)
        names = rel.split(os.sep)
        if names[-1] == "__init__":
            names.pop()
        name = ".".join(names)
    else:
        root = os.path.dirname(path)
        name = os.path.basename(path)[:-3]
    if mode == "append":
        if root not in sys.path:
            sys.path.append(root)
    elif not sys.path or sys.path[0] != root:
        sys.path.insert(0, root)
    importlib.import_module(name)
    mod = sys.modules[name]
    if os.path.basename(path) == "__init__.py":
        return mod
    if os.environ.get("PY_IGNORE_IMPORTMISMATCH", "") != "1":
        mfile = getattr(mod, "__file__", None) or ""
        if mfile.endswith((".pyc", ".pyo")):
            mfile = mfile[:-1]
        if mfile.endswith(os.sep + "__init__.py"):
            mfile = mfile[: -len("__init__.py") - 1]
        if not _is_same(path, mfile):
            raise CollectError(
                "import file mismatch:\nimported module %r has this __file__ attribute:\n"
                "  %s\nwhich is not the same as the test file we want to collect:\n  %s\n"
                "HINT: remove __pycache__ / .pyc files and/or use a unique basename for "
                "your test file modules" % (name, mfile, path))
    return mod


def _insert_missing_modules(name):
    parts = name.split(".")
    while name:
        if name not in sys.modules:
            try:
                if not sys.meta_path:
                    raise ModuleNotFoundError
                importlib.import_module(name)
            except ModuleNotFoundError:
                sys.modules[name] = types.ModuleType(
                    name, doc="Empty module created by pytest's importmode=importlib.")
        parts.pop()
        name = ".".join(parts)


class Collector:
    """Imports modules/conftests and turns them into items (one per worker)."""

    def __init__(self, config, base_chain, run):
        self.config = config
        self.rootdir = config.rootdir_str
        self.base_chain = base_chain
        self.run = run
        self.python_classes = _ini_list(config, "python_classes", ["Test"])
        self.python_functions = _ini_list(config, "python_functions", ["test"])
        self.python_files = _ini_list(config, "python_files", ["test_*.py", "*_test.py"])
        self.usefixtures_ini = _ini_list(config, "usefixtures", [])
        self._conftests = {}  # abs dir -> Level or None
        self._chains = {}  # abs dir -> Chain
        self._module_hooks = []

    # ------------------------------------------------------------ conftests

    def dir_chain(self, absdir):
        chain = self._chains.get(absdir)
        if chain is not None:
            return chain
        root = self.rootdir
        if absdir == root or not absdir.startswith(root.rstrip(os.sep) + os.sep):
            parent = self.base_chain
        else:
            parent = self.dir_chain(os.path.dirname(absdir))
        level = self._conftest_level(absdir)
        chain = parent.extend(level) if level is not None else parent
        self._chains[absdir] = chain
        return chain

    def _conftest_level(self, absdir):
        if absdir in self._conftests:
            return self._conftests[absdir]
        path = os.path.join(absdir, "conftest.py")
        level = None
        if os.path.isfile(path):
            if resolve_package_path(path) is None:
                sys.modules.pop("conftest", None)
            try:
                mod = import_path(path, self.config.import_mode, self.rootdir)
            except CollectError:
                raise
            except BaseException as e:
                if isinstance(e, KeyboardInterrupt):
                    raise
                from .report import format_exception
                raise CollectError(
                    "ImportError while loading conftest '%s'.\n%s" % (path, format_exception(e)))
            self.run.register_conftest(mod)
            rel = os.path.relpath(absdir, self.rootdir)
            baseid = "" if rel == "." else rel.replace(os.sep, "/")
            level = fx.parse_fixtures(mod, baseid, self.config)
        self._conftests[absdir] = level
        return level

    # ------------------------------------------------------------ modules

    def import_module(self, relpath):
        path = os.path.join(self.rootdir, relpath)
        absdir = os.path.dirname(path)
        chain = self.dir_chain(absdir)
        try:
            mod = import_path(path, self.config.import_mode, self.rootdir)
        except CollectError:
            raise
        except SyntaxError as e:
            from .report import format_syntax_error
            raise CollectError(format_syntax_error(e), e.lineno or 0)
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt):
                raise
            self._import_failure(e, path)
        return mod, chain

    def _import_failure(self, e, path):
        from .report import format_exception, format_skip_location
        skipped_t, _, _, exit_t = compat.outcome_types()
        if isinstance(e, skipped_t):
            if getattr(e, "allow_module_level", False):
                raise ModuleSkipped(getattr(e, "msg", str(e)) or "", format_skip_location(e))
            raise CollectError(
                "Using pytest.skip outside of a test will skip the entire module. If that's "
                "your intention, pass `allow_module_level=True`. If you want to skip a specific "
                "test or an entire class, use the @pytest.mark.skip or @pytest.mark.skipif "
                "decorators.")
        if isinstance(e, unittest.SkipTest):
            raise ModuleSkipped(str(e), format_skip_location(e))
        if isinstance(e, ImportError):
            raise CollectError(
                "ImportError while importing test module '%s'.\nHint: make sure your test "
                "modules/packages have valid Python names.\nTraceback:\n%s"
                % (path, format_exception(e, short=True)))
        raise CollectError(format_exception(e))

    def collect(self, relpath):
        """(module_node, items, class_errors) for one module; raises CollectError/ModuleSkipped."""
        mod, chain = self.import_module(relpath)
        nodeid = relpath.replace(os.sep, "/")
        mnode = Module(os.path.basename(relpath), nodeid, self._abs_path(relpath), mod, None,
                       compat.get_marks(mod))
        mnode.relpath = nodeid
        mnode.config = self.config
        mnode.session = self.run.session
        mnode.keywords = {mnode.name: True}
        mnode.pkg_names = self._package_names(relpath)
        level = fx.parse_fixtures(mod, nodeid, self.config)
        self._inject_xunit_module(mod, level, nodeid)
        hooks = []
        for cmod in self.run.conftest_modules_for(mnode):
            h = getattr(cmod, "pytest_generate_tests", None)
            if h is not None:
                hooks.append(h)
        h = getattr(mod, "pytest_generate_tests", None)
        if h is not None:
            hooks.append(h)
        self._module_hooks = hooks
        mchain = chain.extend(level)
        items = []
        errors = []
        self._collect_container(mod, mnode, mchain, None, items, errors)
        return mnode, items, errors

    def _abs_path(self, relpath):
        import pathlib
        return pathlib.Path(os.path.join(self.rootdir, relpath))

    def _package_names(self, relpath):
        names = []
        d = os.path.dirname(os.path.join(self.rootdir, relpath))
        root = self.rootdir
        while d.startswith(root) and len(d) >= len(root):
            if os.path.isfile(os.path.join(d, "__init__.py")):
                names.append(os.path.basename(d))
            parent = os.path.dirname(d)
            if parent == d:
                break
            d = parent
        return names

    def _collect_container(self, holder, node, chain, cls, items, errors):
        if cls is not None:
            dicts = [vars(cls)] + [vars(b) for b in cls.__mro__]
        else:
            dicts = [vars(holder)]
        seen = set()
        per_dict = []
        for d in dicts:
            found = []
            for name, obj in list(d.items()):
                if name in ("__dict__", "__weakref__") or name in seen:
                    continue
                seen.add(name)
                found.append((name, obj))
            per_dict.append(found)
        for found in reversed(per_dict):
            for name, obj in found:
                try:
                    self._make_items(node, chain, cls, name, obj, items, errors)
                except CollectError as e:
                    if cls is None:
                        raise
                    errors.append((node.nodeid, e.text))
                    return

    def _make_items(self, parent, chain, cls, name, obj, items, errors):
        if inspect.isclass(obj):
            ut = issubclass(obj, unittest.TestCase)
            if ut or _matches(name, self.python_classes) or \
                    _safe_getattr(obj, "__test__", False) is True:
                if not _safe_getattr(obj, "__test__", True):
                    return
                if ut:
                    self._collect_unittest(parent, chain, name, obj, items, errors)
                    return
                if obj.__init__ is not object.__init__ or obj.__new__ is not object.__new__:
                    import warnings
                    what = "__init__" if obj.__init__ is not object.__init__ else "__new__"
                    try:
                        fn = inspect.getsourcefile(obj)
                        line = inspect.getsourcelines(obj)[1]
                    except (OSError, TypeError):
                        fn, line = parent.path, 0
                    warnings.warn_explicit(_collection_warning()(
                        "cannot collect test class %r because it has a %s constructor (from: %s)"
                        % (obj.__name__, what, parent.nodeid)), None, str(fn), line)
                    return
                self._collect_class(parent, chain, name, obj, items, errors)
            return
        if cls is not None and isinstance(obj, staticmethod):
            obj = obj.__func__
        if not (_matches(name, self.python_functions) or _safe_getattr(obj, "__test__", False) is True):
            return
        if not callable(obj) or compat.fixture_spec(obj) is not None:
            return
        if not (inspect.isfunction(obj) or inspect.isfunction(compat.get_real_func(obj))):
            return
        if not _safe_getattr(obj, "__test__", True):
            return
        self._gen_functions(parent, chain, cls, name, obj, items)

    def _collect_class(self, parent, chain, name, cls, items, errors):
        nodeid = parent.nodeid + "::" + name
        cnode = Class(name, nodeid, parent.path, cls, parent, compat.get_marks(cls))
        cnode.config = self.config
        cnode.session = self.run.session
        cnode.keywords = {name: True}
        level = fx.Level(nodeid)
        self._inject_xunit_class(cls, level, nodeid)
        flevel = fx.parse_fixtures(cls, nodeid, self.config, cls=cls)
        for n in flevel.autouse:
            if n not in level.autouse:
                level.autouse.append(n)
        level.defs.update(flevel.defs)
        self._collect_container(cls, cnode, chain.extend(level), cls, items, errors)

    def _collect_unittest(self, parent, chain, name, cls, items, errors):
        nodeid = parent.nodeid + "::" + name
        cnode = Class(name, nodeid, parent.path, cls, parent, compat.get_marks(cls))
        cnode.config = self.config
        cnode.session = self.run.session
        cnode.keywords = {name: True}
        level = fx.Level(nodeid)
        skipped = getattr(cls, "__unittest_skip__", False)
        if not skipped:
            self._inject_unittest_class(cls, level, nodeid)
            self._inject_xunit_class(cls, level, nodeid, unittest_case=True)
        flevel = fx.parse_fixtures(cls, nodeid, self.config, cls=cls)
        for n in flevel.autouse:
            if n not in level.autouse:
                level.autouse.append(n)
        level.defs.update(flevel.defs)
        cchain = chain.extend(level)
        names = unittest.TestLoader().getTestCaseNames(cls)
        found = False
        for mname in names:
            meth = getattr(cls, mname)
            if not getattr(meth, "__test__", True):
                continue
            self._add_unittest_item(cnode, cchain, cls, mname, items)
            found = True
        if not found and getattr(cls, "runTest", None) is not None:
            self._add_unittest_item(cnode, cchain, cls, "runTest", items)

    def _add_unittest_item(self, cnode, chain, cls, mname, items):
        func = getattr(cls, mname)
        func = getattr(func, "__func__", func)
        marks = list(compat.get_marks(func))
        item = Item(mname, cnode.nodeid + "::" + mname, cnode, func, cls, None, marks,
                    "unittest", _line_of(func))
        item.config = self.config
        item.session = self.run.session
        item.chain = chain
        item.argnames = ()
        self._finish_item(item, func)
        item.fixturenames = self._closure(item, chain, ())
        items.append(item)

    # ------------------------------------------------------------ functions

    def _gen_functions(self, parent, chain, cls, name, func, items):
        real = compat.get_real_func(func)
        nodeid = parent.nodeid + "::" + name
        marks = list(compat.get_marks(func))
        line = _line_of(real)
        is_method = cls is not None and not isinstance(
            inspect.getattr_static(cls, name, None), staticmethod)
        argnames = fx.getfuncargnames(func, drop_first=is_method)
        if getattr(getattr(real, "__code__", None), "co_flags", 0) & 0x20:  # CO_GENERATOR
            reason = "yield tests were removed in pytest 4.0 - %s will be ignored" % name
            import warnings
            warnings.warn_explicit(_collection_warning()(reason), None,
                                   real.__code__.co_filename, real.__code__.co_firstlineno)
            marks.append(compat.Mark("xfail", (), {"run": False, "reason": reason}))
            argnames = ()
        proto = Item(name, nodeid, parent, func, cls, None, marks, "function", line)
        proto.config = self.config
        proto.session = self.run.session
        proto.chain = chain
        proto.argnames = argnames
        closure = self._closure(proto, chain, argnames)
        callspecs = self._parametrize(proto, chain, closure, real)
        from .integrations import is_async as _is_async
        is_async = _is_async(func)
        if callspecs is None:
            proto.is_async = is_async
            proto.fixturenames = closure
            self._finish_item(proto, func)
            items.append(proto)
            return
        for cs in callspecs:
            iname = "%s[%s]" % (name, cs.id)
            item = Item(iname, "%s[%s]" % (nodeid, cs.id), parent, func, cls, cs,
                        marks + cs.marks, "function", line)
            item.originalname = name
            item.config = self.config
            item.session = self.run.session
            item.chain = chain
            item.argnames = argnames
            item.fixturenames = closure
            self._finish_item(item, func)
            item.keywords[cs.id] = True
            item.is_async = is_async
            items.append(item)

    def _finish_item(self, item, func):
        kw = item.keywords
        kw[item.name] = True
        for m in item.own_markers:
            kw[m.name] = m
        try:
            kw.update(func.__dict__)
        except Exception:
            pass

    def _closure(self, item, chain, argnames):
        names = list(chain.autouse)
        for n in self.usefixtures_ini:
            if n not in names:
                names.append(n)
        for m in item.iter_markers("usefixtures"):
            for a in m.args:
                if a not in names:
                    names.append(a)
        for a in argnames:
            if a not in names:
                names.append(a)
        defs = {}
        i = 0
        while i < len(names):
            n = names[i]
            i += 1
            if n in defs:
                continue
            d = chain.defs(n)
            if d:
                defs[n] = d
                for a in d[-1].argnames:
                    if a not in names:
                        names.append(a)

        def scope_key(n):
            d = defs.get(n)
            return d[-1].scope_idx if d else 4

        names.sort(key=scope_key)
        return tuple(names)

    def _parametrize(self, item, chain, closure, func):
        """CallSpecs for the item, or None when it is not parametrized."""
        calls = [None]
        if not closure and not item.any_marks and not self._module_hooks:
            return None
        marks = list(item.iter_markers("parametrize"))
        direct = set()
        for m in marks:
            argnames, _ = _parse_argnames(*m.args, **m.kwargs)
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
            h(mf)
        return mf._calls

    def _apply_mark(self, item, calls, mark, closure, func):
        argnames, argvalues = _parse_argnames(*mark.args, **mark.kwargs)
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

    def _inject_xunit_module(self, mod, level, nodeid):
        setup = _first_plain(mod, ("setUpModule", "setup_module"))
        teardown = _first_plain(mod, ("tearDownModule", "teardown_module"))
        if setup is not None or teardown is not None:
            def xunit_setup_module_fixture(request):
                if setup is not None:
                    _call_optional(setup, request.module)
                yield
                if teardown is not None:
                    _call_optional(teardown, request.module)
            _prepend_autouse(level, "_xunit_setup_module_fixture_%s" % mod.__name__,
                             xunit_setup_module_fixture, "module", nodeid)
        setup_f = _first_plain(mod, ("setup_function",))
        teardown_f = _first_plain(mod, ("teardown_function",))
        if setup_f is not None or teardown_f is not None:
            def xunit_setup_function_fixture(request):
                if request.instance is not None:
                    yield
                    return
                if setup_f is not None:
                    _call_optional(setup_f, request.function)
                yield
                if teardown_f is not None:
                    _call_optional(teardown_f, request.function)
            _prepend_autouse(level, "_xunit_setup_function_fixture_%s" % mod.__name__,
                             xunit_setup_function_fixture, "function", nodeid, second=True)

    def _inject_xunit_class(self, cls, level, nodeid, unittest_case=False):
        if not unittest_case:
            setup_c = _first_plain(cls, ("setup_class",))
            teardown_c = _first_plain(cls, ("teardown_class",))
            if setup_c is not None or teardown_c is not None:
                def xunit_setup_class_fixture(request):
                    if setup_c is not None:
                        _call_optional(_imfunc(setup_c), cls)
                    yield
                    if teardown_c is not None:
                        _call_optional(_imfunc(teardown_c), cls)
                _prepend_autouse(level, "_xunit_setup_class_fixture_%s" % cls.__qualname__,
                                 xunit_setup_class_fixture, "class", nodeid)
        setup_name, teardown_name = "setup_method", "teardown_method"
        setup_m = _first_plain(cls, (setup_name,))
        if setup_m is None and not unittest_case and "nose" in sys.modules:
            setup_name = "setup"
            setup_m = _first_plain(cls, (setup_name,))
        teardown_m = _first_plain(cls, (teardown_name,))
        if teardown_m is None and not unittest_case and "nose" in sys.modules:
            teardown_name = "teardown"
            teardown_m = _first_plain(cls, (teardown_name,))
        if setup_m is not None or teardown_m is not None:
            def xunit_setup_method_fixture(request):
                inst = request.instance
                method = request.function
                if setup_m is not None:
                    _call_optional(getattr(inst, setup_name), method)
                yield
                if teardown_m is not None:
                    _call_optional(getattr(inst, teardown_name), method)
            _prepend_autouse(level, "_xunit_setup_method_fixture_%s" % cls.__qualname__,
                             xunit_setup_method_fixture, "function", nodeid, second=True)

    def _inject_unittest_class(self, cls, level, nodeid):
        setup = getattr(cls, "setUpClass", None)
        teardown = getattr(cls, "tearDownClass", None)
        cleanup = getattr(cls, "doClassCleanups", lambda: None)
        if setup is None and teardown is None:
            return

        def unittest_setUpClass_fixture(request):
            if setup is not None:
                try:
                    setup()
                except Exception:
                    cleanup()
                    raise
            yield
            try:
                if teardown is not None:
                    teardown()
            finally:
                cleanup()
        _prepend_autouse(level, "_unittest_setUpClass_fixture_%s" % cls.__qualname__,
                         unittest_setUpClass_fixture, "class", nodeid)


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


def _default_arg_names(func):
    try:
        return {p.name for p in inspect.signature(func).parameters.values()
                if p.default is not p.empty}
    except (TypeError, ValueError):
        return set()


def _func_where(func):
    try:
        code = func.__code__
        return "%s:%d" % (code.co_filename, code.co_firstlineno)
    except AttributeError:
        return "?"


def _line_of(func):
    try:
        return func.__code__.co_firstlineno
    except AttributeError:
        try:
            return inspect.getsourcelines(func)[1]
        except Exception:
            return 0


def _safe_getattr(obj, name, default):
    try:
        return getattr(obj, name, default)
    except Exception:
        return default


def _first_plain(obj, names):
    for n in names:
        v = _safe_getattr(obj, n, None)
        if v is not None and compat.fixture_spec(v) is None:
            return v
    return None


def _imfunc(func):
    try:
        return func.__func__
    except AttributeError:
        return func


def _call_optional(func, arg):
    try:
        n = func.__code__.co_argcount
    except AttributeError:
        func(arg)
        return
    if inspect.ismethod(func):
        n -= 1
    if n:
        func(arg)
    else:
        func()


def _prepend_autouse(level, name, func, scope, baseid, second=False):
    fd = fx.FixtureDef(name, func, scope, None, None, True, baseid, argnames=("request",))
    level.defs[name] = fd
    if second:
        # Function-level xunit fixtures come after the module/class one.
        pos = 1 if level.autouse and level.autouse[0].startswith(("_xunit", "_unittest")) else 0
        level.autouse.insert(pos, name)
    else:
        level.autouse.insert(0, name)


def _collection_warning():
    mod = sys.modules.get("_pytest.warning_types")
    if mod is not None:
        return mod.PytestCollectionWarning
    return UserWarning


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
