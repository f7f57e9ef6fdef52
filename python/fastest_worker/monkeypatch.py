"""pytest's ``monkeypatch`` fixture and ``MonkeyPatch`` class, natively."""
import contextlib
import os
import sys
import warnings

from . import compat

notset = compat.NOTSET


def _resolve(name):
    parts = name.split(".")
    used = parts.pop(0)
    found = __import__(used)
    for part in parts:
        used += "." + part
        try:
            found = getattr(found, part)
        except AttributeError:
            pass
        else:
            continue
        try:
            __import__(used)
        except ImportError as ex:
            expected = str(ex).split()[-1]
            if expected == used:
                raise
            raise ImportError("import error in %s: %s" % (used, ex)) from ex
        found = getattr(found, part)
    return found


def _derive_importpath(import_path, raising):
    if not isinstance(import_path, str) or "." not in import_path:
        raise TypeError("must be absolute import path string, not %r" % (import_path,))
    module, attr = import_path.rsplit(".", 1)
    target = _resolve(module)
    if raising and not hasattr(target, attr):
        raise AttributeError("%r object at %s has no attribute %r" % (target, module, attr))
    return attr, target


class MonkeyPatch:
    """Helper to modify objects, dicts, env and cwd for one test (pytest's API)."""

    def __init__(self):
        self._setattr = []
        self._setitem = []
        self._cwd = None
        self._savesyspath = None

    @classmethod
    @contextlib.contextmanager
    def context(cls):
        m = cls()
        try:
            yield m
        finally:
            m.undo()

    def setattr(self, target, name, value=notset, raising=True):
        __tracebackhide__ = True
        import inspect
        if value is notset:
            if not isinstance(target, str):
                raise TypeError("use setattr(target, name, value) or setattr(target, value) "
                                "with target being a dotted import string")
            value = name
            name, target = _derive_importpath(target, raising)
        else:
            if not isinstance(name, str):
                raise TypeError("use setattr(target, name, value) with name being a string or "
                                "setattr(target, value) with target being a dotted import string")
        oldval = getattr(target, name, notset)
        if raising and oldval is notset:
            raise AttributeError("%r has no attribute %r" % (target, name))
        if inspect.isclass(target):
            oldval = target.__dict__.get(name, notset)
        self._setattr.append((target, name, oldval))
        setattr(target, name, value)

    def delattr(self, target, name=notset, raising=True):
        __tracebackhide__ = True
        import inspect
        if name is notset:
            if not isinstance(target, str):
                raise TypeError("use delattr(target, name) or delattr(target) with target being "
                                "a dotted import string")
            name, target = _derive_importpath(target, raising)
        if not hasattr(target, name):
            if raising:
                raise AttributeError(name)
        else:
            oldval = getattr(target, name, notset)
            if inspect.isclass(target):
                oldval = target.__dict__.get(name, notset)
            self._setattr.append((target, name, oldval))
            delattr(target, name)

    def setitem(self, dic, name, value):
        self._setitem.append((dic, name, dic.get(name, notset)))
        dic[name] = value

    def delitem(self, dic, name, raising=True):
        if name not in dic:
            if raising:
                raise KeyError(name)
        else:
            self._setitem.append((dic, name, dic.get(name, notset)))
            del dic[name]

    def setenv(self, name, value, prepend=None):
        if not isinstance(value, str):
            warnings.warn(UserWarning(
                "Value of environment variable %s type should be str, but got %r (type: %s); "
                "converted to str implicitly" % (name, value, type(value).__name__)), stacklevel=2)
            value = str(value)
        if prepend and name in os.environ:
            value = value + prepend + os.environ[name]
        self.setitem(os.environ, name, value)

    def delenv(self, name, raising=True):
        self.delitem(os.environ, name, raising=raising)

    def syspath_prepend(self, path):
        if self._savesyspath is None:
            self._savesyspath = sys.path[:]
        sys.path.insert(0, str(path))
        if "pkg_resources" in sys.modules:
            try:
                from pkg_resources import fixup_namespace_packages
                fixup_namespace_packages(str(path))
            except Exception:
                pass
        import importlib
        importlib.invalidate_caches()

    def chdir(self, path):
        if self._cwd is None:
            self._cwd = os.getcwd()
        os.chdir(path)

    def undo(self):
        for obj, name, value in reversed(self._setattr):
            if value is not notset:
                setattr(obj, name, value)
            else:
                try:
                    delattr(obj, name)
                except AttributeError:
                    pass
        self._setattr[:] = []
        for dictionary, key, value in reversed(self._setitem):
            if value is notset:
                try:
                    del dictionary[key]
                except KeyError:
                    pass
            else:
                dictionary[key] = value
        self._setitem[:] = []
        if self._savesyspath is not None:
            sys.path[:] = self._savesyspath
            self._savesyspath = None
        if self._cwd is not None:
            os.chdir(self._cwd)
            self._cwd = None


def monkeypatch():
    mp = MonkeyPatch()
    yield mp
    mp.undo()
