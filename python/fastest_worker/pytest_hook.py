"""Run a callback right after the user's code finishes ``import pytest``.

The harness never imports pytest itself; but once a test module does, pytest's
mark generator must know the config (unknown-mark warnings, --strict-markers)
and installed plugins must be loaded before that module's decorators run.
"""
import importlib.machinery
import sys

from .compat import Loader, MetaPathFinder


class _Loader(Loader):
    def __init__(self, inner, callback):
        self._inner = inner
        self._callback = callback

    def create_module(self, spec):
        return self._inner.create_module(spec)

    def exec_module(self, module):
        self._inner.exec_module(module)
        try:
            self._callback(module)
        except Exception:  # never break the user's import over our bookkeeping
            pass

    def __getattr__(self, name):
        return getattr(self._inner, name)


class _Finder(MetaPathFinder):
    def __init__(self, callback):
        self._callback = callback
        self._busy = False

    def find_spec(self, name, path=None, target=None):
        if name != "pytest" or self._busy:
            return None
        self._busy = True
        try:
            for finder in sys.meta_path:
                if finder is self:
                    continue
                find = getattr(finder, "find_spec", None)
                if find is None:
                    continue
                spec = find(name, path, target)
                if spec is not None:
                    break
            else:
                return None
        finally:
            self._busy = False
        if spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _Loader(spec.loader, self._callback)
        sys.meta_path.remove(self)  # once is enough
        return spec


def install(callback):
    if "pytest" in sys.modules:
        callback(sys.modules["pytest"])
        return
    sys.meta_path.insert(0, _Finder(callback))
