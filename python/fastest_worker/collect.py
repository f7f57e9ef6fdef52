"""Importing test modules the way pytest does and generating their items."""
import fnmatch
import importlib
import importlib.util
import inspect
import os
import sys
import types

_FUNCTION = types.FunctionType

from . import compat
from . import doctests
from . import fixtures as fx
from . import integrations
from . import xunit
from .nodes import Item, Module, Class
from .parametrize import CollectError, ParametrizeMixin


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


class Collector(ParametrizeMixin):
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
        self._conftest_errors = {}  # abs dir -> CollectError of its conftest
        self.session_error = None  # a non-initial conftest's failure: every batch's error
        self._initial = False
        self._chains = {}  # abs dir -> Chain
        self._module_hooks = []
        self.last_levels = []

    # ------------------------------------------------------------ conftests

    def dir_chain(self, absdir):
        chain = self._chains.get(absdir)
        if chain is not None:
            return chain
        # _getconftestmodules: every directory from / down (the confcutdir, by default
        # the inifile's directory, hides its ancestors' conftests; none: no limit).
        up = os.path.dirname(absdir)
        parent = self.base_chain if up == absdir else self.dir_chain(up)
        level = self._conftest_level(absdir)
        chain = parent.extend(level) if level is not None else parent
        self._chains[absdir] = chain
        return chain

    def load_session_conftests(self, paths):
        """Every conftest of the collected tree (the controller's list, pytest's load
        order), as pytest's collection walk has loaded them all before
        ``pytest_collection_modifyitems``. A conftest that fails is kept as the error of
        the batches under its directory, where pytest's collection reports it."""
        for path in paths:
            try:
                self.dir_chain(os.path.dirname(path))
            except CollectError:
                pass

    def load_initial_conftests(self, absdir):
        """Start-up: the conftests from rootdir down to ``absdir``; an error is fatal."""
        self._initial = True
        try:
            self.dir_chain(absdir)
        finally:
            self._initial = False

    def _conftest_allowed(self, absdir):
        config = self.config
        if config.option.noconftest:
            return False
        cut = config.option.confcutdir
        if cut:
            cut = os.path.normpath(os.path.join(config.invocation_dir, cut))
        elif config.ini.get("__inifile__"):
            cut = os.path.dirname(config.ini["__inifile__"])
        if cut:
            # pytest skips the conftests of the confcutdir's ancestors only.
            if cut != absdir and cut.startswith(absdir.rstrip(os.sep) + os.sep):
                return False
        return True

    def _conftest_level(self, absdir):
        if absdir in self._conftests:
            return self._conftests[absdir]
        failed = self._conftest_errors.get(absdir)
        if failed is not None:
            raise failed
        try:
            return self._load_conftest_level(absdir)
        except CollectError as e:
            # Imported (and failed) once, as in pytest; every batch below reports it.
            self._conftest_errors[absdir] = e
            raise

    def _load_conftest_level(self, absdir):
        path = os.path.join(absdir, "conftest.py")
        level = None
        if os.path.isfile(path) and self._conftest_allowed(absdir):
            if resolve_package_path(path) is None:
                sys.modules.pop("conftest", None)
            try:
                mod = import_path(path, self.config.import_mode, self.rootdir)
            except BaseException as e:
                if isinstance(e, KeyboardInterrupt):
                    raise
                self._conftest_failed(path, e)
            self._register(mod, path)
            rel = os.path.relpath(absdir, self.rootdir)
            # pytest: a conftest outside the rootdir has the base id "" (all tests).
            baseid = "" if rel == "." or rel == ".." or rel.startswith(".." + os.sep) else rel.replace(os.sep, "/")
            level = fx.parse_fixtures(mod, baseid, self.config)
        self._conftests[absdir] = level
        return level

    def _register(self, mod, path):
        from .startup import Fatal, configure_error
        try:
            self.run.register_conftest(mod)
        except (Fatal, CollectError):
            raise
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt):
                raise
            if self._initial or not self.run.configured:
                raise configure_error(e, "pytest_configure")
            from .report import format_exception
            raise CollectError(format_exception(e))

    def _conftest_failed(self, path, e):
        from .report import exconly, format_import_traceback
        if self._initial:
            from .startup import conftest_import_error
            raise conftest_import_error(path, e, self.config.invocation_dir)
        # pytest 7.2 imports a conftest below the initial ones in Session.collect's own walk
        # (gethookproxy of the first file or package under its directory): the failure is
        # the session's collection error ("ERROR collecting test session", no item of the
        # session collected, exit 2), whichever module was being collected.
        if not isinstance(e, CollectError):
            e = CollectError(format_import_traceback(e, self.config.invocation_dir),
                             message=exconly(e))
        e.collector = ""
        self.session_error = e
        raise e

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
            from .report import format_import_traceback
            error = CollectError(format_import_traceback(e, self.config.invocation_dir), e.lineno or 0)
            error.before = doctests.import_error_of_doctest_module(self, e, path)
            raise error
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt):
                raise
            try:
                self._import_failure(e, path)
            except CollectError as error:
                error.before = doctests.import_error_of_doctest_module(self, e, path)
                raise
        return mod, chain

    def _import_failure(self, e, path):
        from .report import Style, exconly, format_exception, format_short_traceback, \
            format_skip_location
        skipped_t, _, _, exit_t = compat.outcome_types()
        if isinstance(e, skipped_t):
            if getattr(e, "allow_module_level", False):
                raise ModuleSkipped(getattr(e, "msg", str(e)) or "", format_skip_location(e))
            raise CollectError(
                "Using pytest.skip outside of a test will skip the entire module. If that's "
                "your intention, pass `allow_module_level=True`. If you want to skip a specific "
                "test or an entire class, use the @pytest.mark.skip or @pytest.mark.skipif "
                "decorators.")
        if compat.is_unittest_skip(e):
            raise ModuleSkipped(str(e), format_skip_location(e))
        if compat.untraced_fail(e):  # pytest's value style: the message alone
            raise CollectError(str(e))
        cwd = self.config.invocation_dir
        if isinstance(e, ImportError):
            # pytest: getrepr(style="short") of the traceback without importlib's frames.
            raise CollectError(
                "ImportError while importing test module '%s'.\nHint: make sure your test "
                "modules/packages have valid Python names.\nTraceback:\n%s"
                % (path, format_short_traceback(e, cwd)))
        if Style.tbstyle not in ("auto", "short"):
            raise CollectError(format_exception(e), message=exconly(e))
        # Collector.repr_failure: short style, the traceback cut where the module's own frames start.
        raise CollectError(format_short_traceback(e, cwd, start=path), message=exconly(e))

    def collect(self, relpath):
        """(module_node, items, class_errors) for one module; raises CollectError/ModuleSkipped."""
        if self.session_error is not None:
            raise self.session_error
        special = doctests.collect_special(self, relpath)  # doctest text file / doctests only
        if special is not None:
            return special
        mod, chain = self.import_module(relpath)
        nodeid = relpath.replace(os.sep, "/")
        mnode = Module(os.path.basename(relpath), nodeid, self._abs_path(relpath), mod, None,
                       compat.get_marks(mod))
        mnode.relpath = nodeid
        mnode.config = self.config
        mnode.session = self.run.session
        mnode.keywords[mnode.name] = True
        for m in mnode.own_markers:
            mnode.keywords[m.name] = m
        mnode.pkg_names = self._package_names(relpath)
        level = fx.parse_fixtures(mod, nodeid, self.config)
        xunit.inject_module(mod, level, nodeid, nose=xunit.has_nose(self.config))
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
        self.last_levels = list(mchain.levels)  # --fixtures lists every level seen
        items = []
        errors = []
        self._collect_container(mod, mnode, mchain, None, items, errors)
        items[:0] = doctests.module_items(self, relpath, mod, mchain, errors)  # --doctest-modules
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
        if type(obj) is _FUNCTION and not obj.__dict__:
            # A plain function with no attribute at all has no marks, no __test__, no
            # wrapper (__wrapped__, __pytest_wrapped__) and no fixture marker: every check
            # below answers as for it without asking (~40% of a trivial test's collection).
            if _matches(name, self.python_functions):
                self._gen_functions(parent, chain, cls, name, obj, items, plain=True)
            return
        if inspect.isclass(obj):
            ut = compat.is_unittest_case(obj)
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

    def _class_node(self, parent, name, cls):
        """The Class node of ``cls`` under ``parent``, with its keywords and marks."""
        cnode = Class(name, parent.nodeid + "::" + name, parent.path, cls, parent,
                      compat.get_marks(cls))
        cnode.config = self.config
        cnode.session = self.run.session
        cnode.keywords[name] = True
        for m in cnode.own_markers:
            cnode.keywords[m.name] = m
        return cnode

    def _collect_class(self, parent, chain, name, cls, items, errors):
        cnode = self._class_node(parent, name, cls)
        nodeid = cnode.nodeid
        level = fx.Level(nodeid)
        xunit.inject_class(cls, level, nodeid, nose=xunit.has_nose(self.config))
        flevel = fx.parse_fixtures(cls, nodeid, self.config, cls=cls)
        for n in flevel.autouse:
            if n not in level.autouse:
                level.autouse.append(n)
        level.defs.update(flevel.defs)
        self.last_levels.append(level)
        self._collect_container(cls, cnode, chain.extend(level), cls, items, errors)

    def _collect_unittest(self, parent, chain, name, cls, items, errors):
        cnode = self._class_node(parent, name, cls)
        nodeid = cnode.nodeid
        level = fx.Level(nodeid)
        skipped = getattr(cls, "__unittest_skip__", False)
        if not skipped:
            xunit.inject_unittest_class(cls, level, nodeid)
            xunit.inject_class(cls, level, nodeid, unittest_case=True)
        flevel = fx.parse_fixtures(cls, nodeid, self.config, cls=cls)
        for n in flevel.autouse:
            if n not in level.autouse:
                level.autouse.append(n)
        level.defs.update(flevel.defs)
        self.last_levels.append(level)
        cchain = chain.extend(level)
        import unittest
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
        # pytest's reportinfo unwraps (get_real_func): @unittest.skipIf's wrapper lives in
        # unittest/case.py, the test's line is the decorated function's.
        item = Item(mname, cnode.nodeid + "::" + mname, cnode, func, cls, None, marks,
                    "unittest", _line_of(compat.location_func(func)))
        item.config = self.config
        item.session = self.run.session
        item.chain = chain
        item.argnames = ()
        self._finish_item(item, func)
        item.fixturenames = self._closure(item, chain, ())
        items.append(item)

    # ------------------------------------------------------------ functions

    def _gen_functions(self, parent, chain, cls, name, func, items, plain=False):
        """``plain``: ``func`` is a FunctionType with an empty ``__dict__`` (_make_items)."""
        if cls is not None and not getattr(parent, "instantiable", False):
            try:
                # pytest instantiates a test class when it collects a method, so a
                # class that cannot be instantiated (abstract, say) fails collection.
                cls()
            except Exception as e:
                from .report import format_exception
                raise CollectError(format_exception(e))
            parent.instantiable = True
        nodeid = parent.nodeid + "::" + name
        if plain:
            real = func
            marks = []
            line = func.__code__.co_firstlineno
        else:
            real = compat.get_real_func(func)
            marks = list(compat.get_marks(func))
            line = _line_of(compat.location_func(func))
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
        is_async = bool(func.__code__.co_flags & 0x280) if plain else integrations.is_async(func)
        if callspecs is None:
            proto.is_async = is_async
            proto.fixturenames = closure
            if plain:
                proto.keywords[name] = True  # _finish_item: no marks, nothing in __dict__
            else:
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
        if not argnames and not chain.autouse and not self.usefixtures_ini and \
                not item.any_marks:
            return ()  # the common trivial test: no fixture to resolve
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


def _collection_warning():
    mod = sys.modules.get("_pytest.warning_types")
    if mod is not None:
        return mod.PytestCollectionWarning
    return UserWarning
