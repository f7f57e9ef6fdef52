"""pytest's builtin fixtures, written natively."""
import contextlib
import io
import logging
import os
import re
import sys
import warnings
from pathlib import Path

from . import fixtures as fx


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
        # shutil, tempfile and getpass load here, not at the worker's start-up (with
        # random, bz2, lzma, termios: ~4 ms of CPU per worker that no tmp_path needs).
        import shutil
        import tempfile
        if self._given:
            base = Path(self._given).resolve() / ("popen-%d" % os.getpid())
            if base.exists():
                shutil.rmtree(base, ignore_errors=True)
            base.mkdir(parents=True, exist_ok=True)
        else:
            try:
                import getpass
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
            import shutil
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


from .monkeypatch import MonkeyPatch, monkeypatch  # noqa: F401
from .capture_fixtures import capsys, capsysbinary, capfd, capfdbinary  # noqa: F401


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
    handler.setFormatter(run.log_formatter)
    if run.log_level:
        handler.setLevel(run.log_level)
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


# ------------------------------------------------------------------ cache


class Cache:
    """``config.cache`` / the ``cache`` fixture: JSON values and dirs kept across runs,
    in pytest's layout (``<rootdir>/<cache_dir ini, default .pytest_cache>/{v,d}/``)."""

    def __init__(self, config):
        name = config.ini.get("cache_dir") or ".pytest_cache"
        root = os.path.expandvars(os.path.expanduser(str(name)))
        self._cachedir = Path(config.rootpath, root)

    _README = (
        "# pytest cache directory #\n\n"
        "This directory contains data from the pytest's cache plugin,\n"
        "which provides the `--lf` and `--ff` options, as well as the `cache` fixture.\n\n"
        "**Do not** commit this to version control.\n\n"
        "See [the docs](https://docs.pytest.org/en/stable/how-to/cache.html) for more information.\n")
    _CACHEDIR_TAG = (b"Signature: 8a477f597d28d172789f06886806bc55\n"
                     b"# This file is a cache directory tag created by pytest.\n"
                     b"# For information about cache directory tags, see:\n"
                     b"#\thttps://bford.info/cachedir/spec.html\n")

    def _supporting_files(self):
        """What pytest writes into a cache directory its ``set`` created (the controller
        writes the same at the end of a run: src/app/pytest_cache.cc)."""
        d = self._cachedir
        (d / "README.md").write_text(self._README, encoding="UTF-8")
        (d / ".gitignore").write_text("# Created by pytest automatically.\n*\n", encoding="UTF-8")
        (d / "CACHEDIR.TAG").write_bytes(self._CACHEDIR_TAG)

    @staticmethod
    def _warn(text):
        category = getattr(sys.modules.get("pytest"), "PytestCacheWarning", UserWarning)
        warnings.warn(category(text), stacklevel=3)

    def mkdir(self, name):
        # pytest 7.2's mkdir writes no supporting files (only set does).
        if len(Path(name).parts) > 1:
            raise ValueError("name is not allowed to contain path separators")
        res = self._cachedir / "d" / name
        res.mkdir(parents=True, exist_ok=True)
        return res

    makedir = mkdir

    def get(self, key, default):
        import json
        try:
            with open(self._cachedir / "v" / key, encoding="UTF-8") as f:
                return json.load(f)
        except (ValueError, OSError):
            return default

    def set(self, key, value):
        import json
        path = self._cachedir / "v" / key
        try:
            existed = path.parent.is_dir() or self._cachedir.exists()
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            self._warn("could not create cache path %s" % (path,))
            return
        if not existed:
            self._supporting_files()
        data = json.dumps(value, ensure_ascii=False, indent=2)
        try:
            # Written whole then renamed: workers of one run may set the same key.
            tmp = path.with_name(path.name + ".%d.tmp" % os.getpid())
            tmp.write_text(data, encoding="UTF-8")
            os.replace(tmp, path)
        except OSError:
            self._warn("cache could not write path %s" % (path,))


def cache(request):
    config = request.config
    if config.cache is None:
        config.cache = Cache(config)
    return config.cache


# ------------------------------------------------------------------ misc


def pytestconfig(request):
    return request.config


def doctest_namespace():
    return dict()


def record_property(request):
    def append_property(name, value):
        request._item.user_properties.append((name, value))
    return append_property


def _experimental_warning(message):
    mod = sys.modules.get("_pytest.warning_types")
    cls = getattr(mod, "PytestExperimentalApiWarning", None) or UserWarning
    return cls(message)


def record_xml_attribute(request):
    """Attributes for the test's JUnit ``<testcase>`` (sent as ``xml_attributes``)."""
    request.node.warn(_experimental_warning("record_xml_attribute is an experimental feature"))
    item = request._item
    family = request.config.ini.get("junit_family") or "xunit2"
    if getattr(request.config.option, "xmlpath", None) and family not in ("xunit1", "legacy"):
        request.node.warn(_experimental_warning(
            "record_xml_attribute is incompatible with junit_family '%s' (use 'legacy' or "
            "'xunit1')" % family))

    def add_attr(name, value):
        item.xml_attributes.append((name, value))
    return add_attr


def record_testsuite_property(request):
    """``<property>`` of the JUnit ``<testsuite>`` (sent as a ``suite_property`` message)."""
    __tracebackhide__ = True
    run = request._run

    def record_func(name, value):
        __tracebackhide__ = True
        if not isinstance(name, str):
            raise TypeError("name parameter needs to be a string, but %s given"
                            % type(name).__name__)
        run.ch.queue({"t": "suite_property", "name": name, "value": str(value)})
    return record_func


def worker_id(request):
    """pytest-xdist's ``worker_id``: ``gw0``, ``gw1``, ... or ``master`` with ``-n 0``."""
    return request.config.worker_id


def testrun_uid(request):
    inp = getattr(request.config, "workerinput", None)
    if inp is not None:
        return inp["testrunuid"]
    import uuid
    return uuid.uuid4().hex


# Builtin fixtures that ``-p no:PLUGIN`` takes away (pytest's plugin that defines them).
_PLUGIN_OF = {
    "cache": "cacheprovider", "caplog": "logging", "tmp_path": "tmpdir",
    "tmp_path_factory": "tmpdir", "tmpdir": "legacypath", "tmpdir_factory": "legacypath",
    "monkeypatch": "monkeypatch", "recwarn": "recwarn", "capsys": "capture",
    "capsysbinary": "capture", "capfd": "capture", "capfdbinary": "capture",
    "doctest_namespace": "doctest", "record_property": "junitxml",
    "record_xml_attribute": "junitxml", "record_testsuite_property": "junitxml",
    "worker_id": "xdist.plugin", "testrun_uid": "xdist.plugin",
}


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
        ("cache", cache, "function"),
        ("doctest_namespace", doctest_namespace, "session"),
        ("record_property", record_property, "function"),
        ("record_xml_attribute", record_xml_attribute, "function"),
        ("record_testsuite_property", record_testsuite_property, "session"),
        ("worker_id", worker_id, "session"),
        ("testrun_uid", testrun_uid, "session"),
    ]
    try:
        import importlib.util
        has_py = importlib.util.find_spec("py") is not None
    except Exception:
        has_py = False
    if has_py:
        specs += [("tmpdir_factory", tmpdir_factory, "session"),
                  ("tmpdir", tmpdir, "function")]
    disabled = config.disabled_plugins
    if "xdist" in disabled:
        disabled = disabled | {"xdist.plugin"}
    for name, func, scope in specs:
        if _PLUGIN_OF.get(name) in disabled:
            continue
        level.add(fx.FixtureDef(name, func, scope, None, None, False, ""))
    return level
