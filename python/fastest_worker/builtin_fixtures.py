"""pytest's builtin fixtures, written natively."""
import contextlib
import getpass
import io
import logging
import os
import re
import shutil
import sys
import tempfile
import warnings
from collections import namedtuple
from pathlib import Path

from . import compat
from . import fixtures as fx
from .capture import CaptureIO, _tmpfd


# ------------------------------------------------------------------ tmp_path


class TempPathFactory:
    def __init__(self, config):
        self._given = config.basetemp or None
        self._basetemp = None
        self._created = False
        self._counters = {}

    def getbasetemp(self):
        if self._basetemp is not None:
            return self._basetemp
        if self._given:
            base = Path(self._given).resolve() / ("popen-%d" % os.getpid())
            if base.exists():
                shutil.rmtree(base, ignore_errors=True)
            base.mkdir(parents=True, exist_ok=True)
        else:
            try:
                user = re.sub(r"[\W]", "_", getpass.getuser() or "unknown")
            except Exception:
                user = "unknown"
            root = Path(tempfile.gettempdir()) / ("fastest-of-%s" % user)
            root.mkdir(mode=0o700, exist_ok=True)
            base = Path(tempfile.mkdtemp(prefix="w%d-" % os.getpid(), dir=str(root)))
            self._created = True
        self._basetemp = base
        return base

    def mktemp(self, basename, numbered=True):
        base = self.getbasetemp()
        if not numbered:
            p = base / basename
            p.mkdir()
            return p
        n = self._counters.get(basename, 0)
        while True:
            p = base / ("%s%d" % (basename, n))
            n += 1
            try:
                p.mkdir()
            except FileExistsError:
                continue
            self._counters[basename] = n
            return p

    def cleanup(self):
        if self._created and self._basetemp is not None:
            shutil.rmtree(self._basetemp, ignore_errors=True)


class TempdirFactory:
    def __init__(self, tmp_path_factory):
        self._tmppath_factory = tmp_path_factory

    def mktemp(self, basename, numbered=True):
        import py
        return py.path.local(self._tmppath_factory.mktemp(basename, numbered).resolve())

    def getbasetemp(self):
        import py
        return py.path.local(self._tmppath_factory.getbasetemp().resolve())


def _tmp_name(request):
    name = request.node.name
    name = re.sub(r"[\W]", "_", name)
    return name[:30]


def tmp_path_factory(request):
    return request._run.tmp


def tmp_path(request, tmp_path_factory):
    return tmp_path_factory.mktemp(_tmp_name(request), numbered=True)


def tmpdir_factory(request, tmp_path_factory):
    return TempdirFactory(tmp_path_factory)


def tmpdir(tmp_path):
    import py
    return py.path.local(tmp_path)


# ------------------------------------------------------------------ monkeypatch

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


# ------------------------------------------------------------------ capture

CaptureResult = namedtuple("CaptureResult", ["out", "err"])


class _SysCapture:
    def __init__(self, binary):
        self.binary = binary
        self.out = CaptureIO()
        self.err = CaptureIO()
        self.saved = None

    def start(self):
        self.saved = (sys.stdout, sys.stderr)
        sys.stdout, sys.stderr = self.out, self.err

    def suspend(self):
        sys.stdout, sys.stderr = self.saved

    def resume(self):
        sys.stdout, sys.stderr = self.out, self.err

    def read(self):
        out = self.out.buffer.getvalue()
        err = self.err.buffer.getvalue()
        self.out.reset()
        self.err.reset()
        if self.binary:
            return CaptureResult(out, err)
        return CaptureResult(out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))

    def stop(self):
        if self.saved is not None:
            sys.stdout, sys.stderr = self.saved
            self.saved = None


class _FdCapture:
    def __init__(self, binary):
        self.binary = binary
        self.out_fd = _tmpfd()
        self.err_fd = _tmpfd()
        self.saved = None
        self.sys = _SysCapture(False)

    def _flush(self):
        for s in (sys.stdout, sys.stderr):
            try:
                s.flush()
            except Exception:
                pass

    def start(self):
        self._flush()
        self.saved = (os.dup(1), os.dup(2))
        os.dup2(self.out_fd, 1)
        os.dup2(self.err_fd, 2)
        # Python-level writes must land in the fds too (pytest's capfd does both).
        self.sys_saved = (sys.stdout, sys.stderr)
        self.sys_out = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8",
                                        errors="replace", write_through=True)
        self.sys_err = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                                        errors="replace", write_through=True)
        sys.stdout, sys.stderr = self.sys_out, self.sys_err

    def suspend(self):
        self._flush()
        os.dup2(self.saved[0], 1)
        os.dup2(self.saved[1], 2)
        sys.stdout, sys.stderr = self.sys_saved

    def resume(self):
        self._flush()
        os.dup2(self.out_fd, 1)
        os.dup2(self.err_fd, 2)
        sys.stdout, sys.stderr = self.sys_out, self.sys_err

    def _read(self, fd):
        size = os.lseek(fd, 0, os.SEEK_CUR)
        data = os.pread(fd, size, 0) if size else b""
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        return data

    def read(self):
        self._flush()
        out, err = self._read(self.out_fd), self._read(self.err_fd)
        if self.binary:
            return CaptureResult(out, err)
        return CaptureResult(out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))

    def stop(self):
        if self.saved is not None:
            self._flush()
            os.dup2(self.saved[0], 1)
            os.dup2(self.saved[1], 2)
            os.close(self.saved[0])
            os.close(self.saved[1])
            self.saved = None
            sys.stdout, sys.stderr = self.sys_saved
        os.close(self.out_fd)
        os.close(self.err_fd)


class CaptureFixture:
    """capsys/capfd object: readouterr() and disabled()."""

    def __init__(self, impl, run):
        self._impl = impl
        self._run = run

    def readouterr(self):
        return self._impl.read()

    @contextlib.contextmanager
    def disabled(self):
        self._impl.suspend()
        self._run.capture.suspend()
        try:
            yield
        finally:
            self._run.capture.resume()
            self._impl.resume()

    def close(self):
        self._impl.stop()


def _capture_fixture(request, impl, name):
    run = request._run
    active = getattr(run, "_capfix_active", None)
    if active is not None:
        from .fixtures import FixtureLookupError
        raise FixtureLookupError(name, request, "cannot use %s and %s at the same time" % (
            name, active))
    run._capfix_active = name
    impl.start()
    fix = CaptureFixture(impl, run)
    try:
        yield fix
    finally:
        run._capfix_active = None
        impl.stop()


def capsys(request):
    yield from _capture_fixture(request, _SysCapture(False), "capsys")


def capsysbinary(request):
    yield from _capture_fixture(request, _SysCapture(True), "capsysbinary")


def capfd(request):
    yield from _capture_fixture(request, _FdCapture(False), "capfd")


def capfdbinary(request):
    yield from _capture_fixture(request, _FdCapture(True), "capfdbinary")


# ------------------------------------------------------------------ caplog


class LogCaptureHandler(logging.StreamHandler):
    def __init__(self):
        logging.StreamHandler.__init__(self, io.StringIO())
        self.records = []
        self.by_phase = {"setup": [], "call": [], "teardown": []}

    def emit(self, record):
        self.records.append(record)
        logging.StreamHandler.emit(self, record)

    def reset(self):
        self.records = []
        self.stream = io.StringIO()

    def new_phase(self, when):
        self.reset()
        self.by_phase[when] = self.records

    def handleError(self, record):
        raise


class LogCaptureFixture:
    def __init__(self, handler, run):
        self.handler = handler
        self._run = run
        self._initial_handler_level = None
        self._initial_logger_levels = {}

    def get_records(self, when):
        return self.handler.by_phase.get(when, [])

    @property
    def text(self):
        return self.handler.stream.getvalue()

    @property
    def records(self):
        return self.handler.records

    @property
    def record_tuples(self):
        return [(r.name, r.levelno, r.getMessage()) for r in self.records]

    @property
    def messages(self):
        return [r.getMessage() for r in self.records]

    def clear(self):
        self.handler.reset()

    def set_level(self, level, logger=None):
        logger_obj = logging.getLogger(logger)
        self._initial_logger_levels.setdefault(logger, logger_obj.level)
        logger_obj.setLevel(level)
        if self._initial_handler_level is None:
            self._initial_handler_level = self.handler.level
        self.handler.setLevel(level)

    @contextlib.contextmanager
    def at_level(self, level, logger=None):
        logger_obj = logging.getLogger(logger)
        orig_level = logger_obj.level
        logger_obj.setLevel(level)
        handler_orig_level = self.handler.level
        self.handler.setLevel(level)
        try:
            yield
        finally:
            logger_obj.setLevel(orig_level)
            self.handler.setLevel(handler_orig_level)

    def _finalize(self):
        if self._initial_handler_level is not None:
            self.handler.setLevel(self._initial_handler_level)
        for name, level in self._initial_logger_levels.items():
            logging.getLogger(name).setLevel(level)


def caplog(request):
    run = request._run
    handler = LogCaptureHandler()
    handler.setFormatter(logging.Formatter(
        "%(levelname)-8s %(name)s:%(filename)s:%(lineno)d %(message)s"))
    handler.new_phase(run.when if run.when in ("setup", "call", "teardown") else "setup")
    root = logging.getLogger()
    root.addHandler(handler)
    run.caplog_handler = handler
    fix = LogCaptureFixture(handler, run)
    try:
        yield fix
    finally:
        fix._finalize()
        root.removeHandler(handler)
        run.caplog_handler = None


# ------------------------------------------------------------------ recwarn


class WarningsRecorder(warnings.catch_warnings):
    def __init__(self):
        super().__init__(record=True)
        self._list = []

    @property
    def list(self):
        return self._list

    def __getitem__(self, i):
        return self._list[i]

    def __iter__(self):
        return iter(self._list)

    def __len__(self):
        return len(self._list)

    def pop(self, cls=Warning):
        best = None
        for i, w in enumerate(self._list):
            if w.category == cls:
                return self._list.pop(i)
            if issubclass(w.category, cls) and (
                    best is None or not issubclass(w.category, self._list[best].category)):
                best = i
        if best is not None:
            return self._list.pop(best)
        __tracebackhide__ = True
        raise AssertionError("%r not found in warning list" % cls)

    def clear(self):
        self._list[:] = []

    def __enter__(self):
        self._list = super().__enter__()
        warnings.simplefilter("always")
        return self


def recwarn():
    rec = WarningsRecorder()
    with rec:
        yield rec


# ------------------------------------------------------------------ misc


def pytestconfig(request):
    return request.config


def doctest_namespace():
    return dict()


def record_property(request):
    def append_property(name, value):
        request._item.user_properties.append((name, value))
    return append_property


def record_xml_attribute(request):
    def add_attr_noop(name, value):
        pass
    return add_attr_noop


def record_testsuite_property(request):
    def record_func(name, value):
        pass
    return record_func


def worker_id():
    return os.environ.get("PYTEST_XDIST_WORKER", "master")


def make_level(config):
    level = fx.Level("")
    specs = [
        ("tmp_path_factory", tmp_path_factory, "session"),
        ("tmp_path", tmp_path, "function"),
        ("monkeypatch", monkeypatch, "function"),
        ("capsys", capsys, "function"),
        ("capsysbinary", capsysbinary, "function"),
        ("capfd", capfd, "function"),
        ("capfdbinary", capfdbinary, "function"),
        ("caplog", caplog, "function"),
        ("recwarn", recwarn, "function"),
        ("pytestconfig", pytestconfig, "session"),
        ("doctest_namespace", doctest_namespace, "session"),
        ("record_property", record_property, "function"),
        ("record_xml_attribute", record_xml_attribute, "function"),
        ("record_testsuite_property", record_testsuite_property, "session"),
    ]
    try:
        import importlib.util
        has_py = importlib.util.find_spec("py") is not None
    except Exception:
        has_py = False
    if has_py:
        specs += [("tmpdir_factory", tmpdir_factory, "session"),
                  ("tmpdir", tmpdir, "function")]
    for name, func, scope in specs:
        level.add(fx.FixtureDef(name, func, scope, None, None, False, ""))
    return level
