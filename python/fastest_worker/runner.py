"""Running batches: setup/call/teardown per item, outcomes as pytest decides them."""
import os
import sys
import warnings
from time import perf_counter

from . import assertrepr
from . import compat
from . import doctests
from . import fixtures as fx
from . import ignore
from . import integrations
from . import logs
from . import marks
from . import outcomes
from . import proto
from . import reorder
from . import report
from . import reruns
from . import tree
from . import xunit
from .capture import Capture
from .collect import Collector, CollectError, ModuleSkipped
from .nodes import FUNCTION, Class
from .startup import Fatal

_getpid = os.getpid
_environ = os.environ


def _env_fast_path():
    """os.environ's own bytes mapping, when it is the POSIX one (bytes keys and values)."""
    data = getattr(_environ, "_data", None)
    try:
        ok = (os.name == "posix" and isinstance(data, dict)
              and _environ.encodekey("K") == b"K" and _environ.encodevalue("V") == b"V")
    except Exception:  # noqa: B902 - any other os.environ: the mapping's own methods
        ok = False
    return data if ok else None


# pytest's PYTEST_CURRENT_TEST, set three times and removed once per test: os.environ's
# __setitem__ / pop (encodekey, encodevalue, MutableMapping.pop's __getitem__ and __delitem__)
# were ~8% of a trivial test's instructions. The same putenv / unsetenv and the same entry
# in os.environ._data, without the layers.
_ENV_DATA = _env_fast_path()
_ENV_KEY = b"PYTEST_CURRENT_TEST"
_FS_ENCODING = sys.getfilesystemencoding()
_putenv = getattr(os, "putenv", None)
_unsetenv = getattr(os, "unsetenv", None)


_SETUP_SUFFIX, _CALL_SUFFIX, _TEARDOWN_SUFFIX = (
    (b" (setup)", b" (call)", b" (teardown)") if _ENV_DATA is not None else (" (setup)", " (call)", " (teardown)"))


def _encode_current(text):
    return text.encode(_FS_ENCODING, "surrogateescape") if _ENV_DATA is not None else text


def _set_current(value):
    """os.environ["PYTEST_CURRENT_TEST"] = value (bytes from _encode_current + a suffix)."""
    if _ENV_DATA is not None:
        _putenv(_ENV_KEY, value)
        _ENV_DATA[_ENV_KEY] = value
    else:
        _environ["PYTEST_CURRENT_TEST"] = value


def _clear_current():
    """os.environ.pop("PYTEST_CURRENT_TEST", None)."""
    if _ENV_DATA is not None:
        if _ENV_DATA.pop(_ENV_KEY, None) is not None:
            _unsetenv(_ENV_KEY)
    else:
        _environ.pop("PYTEST_CURRENT_TEST", None)
_AT_FORK = proto.AT_FORK
_RUNTEST_HOOKS = ("runtest",)  # a module node's hooks cache key that is no hook name
# ``-p NAME`` of a pytest builtin plugin is a no-op (the harness serves them).
_BUILTIN_PLUGIN_MODULES = frozenset(("pytester", "pytest_pytester"))
_showwarning_orig = getattr(warnings, "_showwarning_orig", warnings.showwarning)
_filters_mutated = getattr(warnings, "_filters_mutated", None) or getattr(
    warnings, "_filters_mutated_lock_held", None) or (lambda: None)


# pytest 7.2 (PytestPluginManager._check_non_top_pytest_plugins), a collection error.
_NON_TOP_PLUGINS = (
    "Defining 'pytest_plugins' in a non-top-level conftest is no longer supported:\n"
    "It affects the entire test suite instead of just below the conftest as expected.\n"
    "  %s\n"
    "Please move it to a top level conftest file at the rootdir:\n"
    "  %s\n"
    "For more information, visit:\n"
    "  https://docs.pytest.org/en/stable/deprecations.html#pytest-plugins-in-non-top-level-conftest-files\n")

class Session:
    def __init__(self, config):
        self.config = config
        self.name = os.path.basename(config.rootdir_str)
        self.nodeid = ""
        self.path = config.rootpath
        self.parent = None
        self.own_markers = []
        self.keywords = {}
        self.shouldstop = False
        self.shouldfail = False
        self.testsfailed = 0
        self.testscollected = 0
        self.items = []

    def iter_markers(self, name=None):
        return iter(())

    def get_closest_marker(self, name, default=None):
        return default

    def addfinalizer(self, fin):
        self.config._run.scope_fins[0].append(fin)


class Run:
    """Worker state across batches: collector, fixture scopes, capture."""

    def __init__(self, config, channel):
        from . import builtin_fixtures
        self.config = config
        config._run = self
        self.ch = channel
        self.pid = os.getpid()
        self.session = Session(config)
        self.builtins_level = builtin_fixtures.make_level(config)
        self.plugins_level = fx.Level("")
        self.base_chain = fx.Chain([self.builtins_level, self.plugins_level])
        self.collector = Collector(config, self.base_chain, self)
        self.scope_fins = [[], [], [], []]  # session, package, module, class
        self.package_fins = {}  # package dir -> finalizers of its package-scoped fixtures
        self._is_package = {}
        self.class_key = None
        self.item_finalizers = []
        self.nose = xunit.has_nose(config)
        self.holders = {}
        self.conftests = []  # (abs dir, module)
        self.registered = []  # plugins and conftests, in registration order
        self.hook_plugins = []  # -p / pytest_plugins / registered objects: hooks honoured
        self.entry_plugins = []  # pytest11 entry points: fixtures and options only
        self.plugin_names = set()
        self.configured = False
        self.fatal = None  # a startup.Fatal found where it cannot be raised (import hook)
        self.deselected = []  # items of the current batch deselected so far
        self.init_paths = set()
        self.fixture_levels = {}  # --fixtures: id -> Level of every collected module/class
        self.warnings_enabled = "warnings" not in config.disabled_plugins
        self.plugins_loaded = False
        self.capture = Capture(config.capture)
        self.kw_expr = compat.compile_expr(config.keyword) if config.keyword else None
        self.mark_expr = compat.compile_expr(config.markexpr) if config.markexpr else None
        self.log_handler = logs.LogHandler()
        self.log_formatter = logs.formatter(config)
        self.log_handler.setFormatter(self.log_formatter)
        self.log_level = logs.level(logs.setting(config, "log_level"))
        self.log_handler.setLevel(self.log_level)
        self.live_log = None
        if "logging" not in config.disabled_plugins:
            self.live_log = logs.attach(config, self.log_handler, self.log_level)
        self.caplog_handler = None
        self.when = "setup"
        self.current = None
        self.xfail_strict = str(config.ini.get("xfail_strict", "false")).lower() in ("true", "1", "yes")
        self._base_filters = self._make_base_filters()
        self.tmp = builtin_fixtures.TempPathFactory(config)
        self.asyncio_mode = str(config.ini.get("asyncio_mode", "strict"))
        from . import pytest_hook
        pytest_hook.install(self.on_pytest_imported)
        try:
            self.start_cwd = os.getcwd()
        except OSError:
            self.start_cwd = config.rootdir_str
        self.good_path = None
        self._hook_cache = {}
        self.reruns = reruns.Reruns()

    def _restore_process_state(self):
        """Undo a previous batch's chdir / sys.path damage so placement never matters."""
        try:
            cwd = os.getcwd()
        except OSError:
            cwd = None
        if cwd != self.start_cwd:
            try:
                os.chdir(self.start_cwd)
            except OSError:
                pass
        good = self.good_path
        if good is not None and sys.path != good:
            sys.path[:] = good

    # ------------------------------------------------------------ setup helpers

    def ini_filters(self):
        return _ini_lines(self.config.ini.get("filterwarnings"))

    def _make_base_filters(self):
        """pytest's warnings plugin: DeprecationWarnings shown, then the ini's
        ``filterwarnings``, then ``-W`` (escaped), later ones winning."""
        with warnings.catch_warnings():
            if not self.warnings_enabled:
                return list(warnings.filters)
            warnings.filterwarnings("always", category=DeprecationWarning)
            warnings.filterwarnings("always", category=PendingDeprecationWarning)
            specs = [(a, False) for a in self.ini_filters()]
            specs += [(a, True) for a in self.config.option.pythonwarnings or []]
            for arg, escape in specs:
                try:
                    warnings.filterwarnings(*marks.parse_warning_filter(arg, escape=escape))
                except Exception:
                    pass
            return list(warnings.filters)

    def start(self):
        """pytest's start-up (startup.start); the report header lines."""
        from . import startup
        header = startup.start(self)
        self._base_filters = self._make_base_filters()
        self.init_paths = ignore.init_paths(self.config)
        if getattr(self.config.option, "setuponly", False):
            self.config.option.setupshow = True
        if self.config.option.setupshow:
            fx.show_action = self.show_fixture_action
        return header

    # ------------------------------------------------------------ plugins

    def register_conftest(self, mod):
        from .hooks import conftest_loaded
        d = os.path.dirname(os.path.abspath(mod.__file__))
        if self.configured and hasattr(mod, "pytest_plugins") and not getattr(self.config.option, "pyargs", False):
            raise CollectError(_NON_TOP_PLUGINS % (os.path.abspath(mod.__file__), self._confcutdir()))
        self.conftests.append((d, mod))
        self.registered.append(mod)
        self._load_pytest_plugins(mod)
        conftest_loaded(mod, self.config, configure=self.configured)

    def _confcutdir(self):
        """pytest's ``_confcutdir`` as it prints it (None without --confcutdir or ini)."""
        cut = self.config.option.confcutdir
        if cut:
            return os.path.normpath(os.path.join(self.config.invocation_dir, cut))
        inifile = self.config.ini.get("__inifile__")
        return os.path.dirname(inifile) if inifile else None

    def _load_pytest_plugins(self, mod):
        names = getattr(mod, "pytest_plugins", None)
        if not names:
            return
        if isinstance(names, str):
            names = [names]
        for name in names:
            self.load_plugin_module(name)

    def load_plugin_module(self, name):
        """Import and register a ``-p NAME`` / ``pytest_plugins`` module like a conftest
        (its fixtures and the hooks in hooks.NATIVE_HOOKS); an import failure is fatal."""
        import importlib
        from .startup import plugin_import_error
        if name in self.plugin_names or name in self.config.disabled_plugins:
            return
        if name in _BUILTIN_PLUGIN_MODULES or name.startswith("_pytest."):
            return  # pytest's own plugins are built into the harness
        from . import rewrite
        if rewrite._installed is not None:
            rewrite._installed.mark_rewrite(name)  # pytest rewrites plugin modules too
        try:
            pmod = importlib.import_module(name)
        except Exception as e:
            raise plugin_import_error(name, e)
        self.plugin_names.add(name)
        self.config.pluginmanager._add(name, pmod)
        self.registered.append(pmod)
        self.hook_plugins.append(pmod)
        self._add_plugin(pmod)
        self._load_pytest_plugins(pmod)
        from .hooks import conftest_loaded
        conftest_loaded(pmod, self.config, configure=self.configured)

    def register_plugin_object(self, plugin):
        """``config.pluginmanager.register(obj)`` from user code: fixtures and hooks."""
        if plugin in self.registered:
            return
        self.registered.append(plugin)
        self.hook_plugins.append(plugin)
        self._add_plugin(plugin)
        self._runtest_hook_cache_clear()
        if self.configured:
            from .hooks import call_configure
            call_configure(plugin, self.config)

    def _runtest_hook_cache_clear(self):
        self._hook_cache = {}

    def plugin_modules(self):
        """Registered plugins and conftests, in registration order."""
        return list(self.registered)

    def configure_plugins(self):
        """pytest_configure for everything registered at start-up, then sessionstart."""
        from . import startup
        self.configured = True
        startup.configure_all(self, [m for m in self.registered if m not in self.entry_plugins])
        self.config._builtin_markers_at = len(self.config._getini("markers"))
        for mod in reversed(self.entry_plugins):
            try:
                # Their hooks expect pytest's own objects: best effort only.
                from .hooks import call_configure
                call_configure(mod, self.config)
            except Exception:
                pass
        startup.call_sessionstart(self)

    def markers_text(self):
        """``--markers``: pytest's listing of every registered marker."""
        if not self.plugins_loaded:
            self.load_entry_point_plugins()
        out = []
        for line in self.config.getini("markers"):
            name, _, rest = line.partition(":")
            out.append("@pytest.mark.%s:%s\n\n" % (name, rest))
        return "".join(out)

    def note_deselected(self, items):
        self.deselected.extend(items)

    def hook_modules_for(self, path):
        """Plugins, then the conftests of the directories at or above ``path``."""
        return self.hook_plugins + [m for d, m in self.conftests
                                    if path == d or path.startswith(d.rstrip(os.sep) + os.sep)]

    def _add_plugin(self, pmod):
        level = fx.parse_fixtures(pmod, "", self.config)
        for name, fd in level.defs.items():
            self.plugins_level.add(fd)
        self.base_chain.levels[1].autouse[:] = self.plugins_level.autouse
        fx.bump_generation()

    def on_pytest_imported(self, pytest_module):
        """pytest was just imported by user code: plugins, markers, mark config,
        register_assert_rewrite."""
        from . import rewrite
        rewrite.serve_register_assert_rewrite(pytest_module)
        if not self.plugins_loaded:
            self.load_entry_point_plugins()
        structures = sys.modules.get("_pytest.mark.structures")
        gen = getattr(structures, "MARK_GEN", None)
        if gen is not None and getattr(gen, "_config", None) is None:
            gen._config = self.config

    def _entry_points(self):
        if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
            return []
        try:
            from importlib.metadata import entry_points
            return list(entry_points(group="pytest11"))
        except Exception:
            return []

    def has_entry_points(self):
        return bool(self._entry_points())

    def load_entry_point_plugins(self):
        """Installed pytest11 plugins contribute fixtures, options and configure; one
        that fails to import is pytest's uncaught error (kept in ``self.fatal``)."""
        from .hooks import conftest_loaded
        from .startup import Fatal
        self.plugins_loaded = True
        disabled = self.config.disabled_plugins
        for ep in self._entry_points():
            if ep.name in disabled or ep.value.split(":")[0] in disabled:
                continue
            try:
                mod = ep.load()
            except Exception as e:
                from .report import format_exception
                self.fatal = Fatal(1, format_exception(e) + "\n")
                return
            if isinstance(mod, type(sys)):
                self.config.pluginmanager._add(ep.name, mod)
                self.entry_plugins.append(mod)
                self.registered.append(mod)
                self._add_plugin(mod)
                try:
                    # Their hooks expect pytest's own objects: best effort only.
                    conftest_loaded(mod, self.config, configure=self.configured)
                except Exception:
                    pass

    def session_hook_modules(self):
        """``-p``/``pytest_plugins`` plugins, then every conftest loaded, in registration
        order: what ``config.hook`` calls (no path filter)."""
        return self.hook_plugins + [m for d, m in self.conftests]

    def conftest_modules_for(self, item):
        """``-p``/``pytest_plugins`` plugins, then the conftests above ``item``."""
        path = str(item.path)
        return self.hook_plugins + [m for d, m in self.conftests if path.startswith(d + os.sep)]

    def holder_instance(self, cls):
        inst = self.holders.get(cls)
        if inst is None:
            inst = cls.__new__(cls)
            self.holders[cls] = inst
        return inst

    def node_finalizer(self, node, fin):
        from .nodes import Item, Module
        if isinstance(node, Item):
            self.item_finalizers.append(fin)
        elif isinstance(node, Class):
            self.scope_fins[3].append(fin)
        elif isinstance(node, Module):
            self.scope_fins[2].append(fin)
        else:
            self.scope_fins[0].append(fin)

    # ------------------------------------------------------------ fixtures

    def resolve(self, request, argname):
        fd = request._fixturedef
        defs = request._item.chain.defs(argname)
        if fd is not None and fd.name == argname:
            for i, d in enumerate(defs):
                if d is fd:
                    return defs[i - 1] if i > 0 else None
            return None
        return defs[-1] if defs else None

    def getfixturevalue(self, request, argname):
        item = request._item
        cs = item.callspec
        if cs is not None and argname in cs.funcargs:
            return cs.funcargs[argname]
        if argname == "request":
            return request
        fd = self.resolve(request, argname)
        if fd is None:
            names = item.chain.names()
            raise fx.FixtureLookupError(argname, request,
                                        fx.unknown_fixture_text(request, argname, names))
        return self.compute(fd, request)

    def compute(self, fd, request):
        if fd.scope_idx > request._scope_idx:
            raise fx.FixtureLookupError(fd.name, request, fx.scope_mismatch_text(
                fd.name, request.scope, fd.scope, self._fixture_stack(request) + [fd],
                self.config.rootdir_str))
        item = request._item
        cs = item.callspec
        param = compat.NOTSET
        pidx = 0
        if cs is not None and fd.name in cs.params:
            param = cs.params[fd.name]
            pidx = cs.indices[fd.name]
        elif fd.params is not None:
            raise fx.FixtureLookupError(fd.name, request, (
                "The requested fixture has no parameter defined for test:\n    %s\n\n"
                "Requested fixture '%s' defined in:\n%s" % (item.nodeid, fd.name,
                                                            fx.fixture_location(fd))))
        sub = fx.SubRequest(request, fd, param, pidx)
        kwargs = {}
        deps = []
        for a in fd.argnames:
            if a == "request":
                kwargs[a] = sub
                continue
            kwargs[a] = self.getfixturevalue(sub, a)
            dep = self.resolve(sub, a)
            if dep is not None and not (cs is not None and a in cs.funcargs):
                deps.append(dep)
        key = param if param is not compat.NOTSET else None
        cached = fd.cached
        if cached is not None:
            if cached[1] is key:
                if cached[2] is not None:
                    exc = cached[2]
                    raise exc.with_traceback(cached[3])
                return cached[0]
            self._finish_def(fd)
        for dep in deps:
            dep.addfinalizer(fd.finish)
        self._schedule(fd, item)
        if fx.show_action is not None:
            self._note_param(fd, sub, param, pidx)
        try:
            value = fx.call_fixture(fd, sub, kwargs)
        except Exception as e:
            fd.cached = (None, key, e, e.__traceback__)
            raise
        except BaseException as e:
            types = compat.outcome_types()
            if isinstance(e, types[:3]):
                if isinstance(e, types[0]) and not getattr(fd.func, "__name__", "").startswith(
                        "xunit_setup"):
                    # pytest reports a fixture's skip at the test's location.
                    e._use_item_location = True
                fd.cached = (None, key, e, e.__traceback__)
            raise
        fd.cached = (value, key, None, None)
        if fx.show_action is not None:
            fx.show_action(fd, "SETUP")
        return value

    @staticmethod
    def _note_param(fd, sub, param, pidx):
        """What ``--setup-show`` prints in brackets after a parametrized fixture."""
        if param is compat.NOTSET:
            fd.shown_param = compat.NOTSET
        elif fd.ids is not None and not callable(fd.ids):
            fd.shown_param = fd.ids[pidx]
        elif callable(fd.ids):
            fd.shown_param = fd.ids(param)
        else:
            fd.shown_param = param

    def show_fixture_action(self, fd, step):
        """pytest's setuponly._show_fixture_action, as an ``info`` frame."""
        from .assertrepr import saferepr
        text = "%s%s %s %s" % ("  " * fd.scope_idx, step.ljust(8), fd.scope[0].upper(), fd.name)
        if step == "SETUP":
            deps = sorted(a for a in fd.argnames if a != "request")
            if deps:
                text += " (fixtures used: %s)" % ", ".join(deps)
        if fd.shown_param is not compat.NOTSET:
            text += "[%s]" % saferepr(fd.shown_param, maxsize=42)
        self.ch.queue({"t": "info", "text": text + "\n"})

    def _show_test_item(self, item):
        text = " " * 8 + item.nodeid
        used = sorted(item.fixturenames)
        if used:
            text += " (fixtures used: %s)" % ", ".join(used)
        self.ch.queue({"t": "info", "text": text + "\n"})

    def _fixture_stack(self, request):
        out = []
        r = request
        while r is not None and r._fixturedef is not None:
            out.append(r._fixturedef)
            r = r._parent
        out.reverse()
        return out

    def _finish_def(self, fd):
        fd.finish()

    def _schedule(self, fd, item):
        idx = fd.scope_idx
        if idx == FUNCTION:
            self.item_finalizers.append(fd.finish)
        elif idx == 3 and not isinstance(item.parent, Class):
            self.item_finalizers.append(fd.finish)
        elif idx == 1:
            pkg = self._fixture_package(fd, item)
            if pkg is None:
                self.scope_fins[0].append(fd.finish)
            else:
                self.package_fins.setdefault(pkg, []).append(fd.finish)
        else:
            self.scope_fins[idx].append(fd.finish)

    def _fixture_package(self, fd, item):
        """pytest's get_scope_package: a package-scoped fixture belongs to the package
        whose ``__init__.py`` is in the directory that defined it (its conftest's), when
        the item is inside it; else to the session (defined in a root or non-package
        conftest, a plugin or a test module)."""
        if not fd.baseid:
            return None
        d = os.path.join(self.config.rootdir_str, fd.baseid)
        is_pkg = self._is_package.get(d)
        if is_pkg is None:
            is_pkg = self._is_package[d] = os.path.isfile(os.path.join(d, "__init__.py"))
        if is_pkg and str(item.path).startswith(d + os.sep):
            return d
        return None

    def _leave_packages(self, module):
        """Tears down the package fixtures of every package ``module`` is not in, innermost
        first, as pytest's setup state does when the next item is outside them; the first
        failure's text or None."""
        path = os.path.join(self.config.rootdir_str, module) if module is not None else ""
        left = sorted((d for d in self.package_fins if not path.startswith(d + os.sep)),
                      key=len, reverse=True)
        first = None
        for d in left:
            err = fx.run_finalizers(self.package_fins.pop(d))
            if first is None:
                first = err
        if first is not None:
            return report.format_failure(first, self.config.invocation_dir)
        return None

    # ------------------------------------------------------------ batches

    def run_batch(self, msg):
        batch = msg.get("batch", 0)
        module = msg.get("module", "")
        select = msg.get("select") or []
        send = self.ch.send
        t0 = perf_counter()
        self._restore_process_state()
        if self.package_fins:
            err = self._leave_packages(module)
            if err is not None:
                send({"t": "warning", "batch": batch, "nodeid": "", "category": "TeardownError",
                      "message": err.lstrip("\n"), "filename": "", "lineno": 0})
        self.capture.start()
        # -p no:warnings: warnings go to (captured) stderr as Python prints them.
        wcm = warnings.catch_warnings(record=self.warnings_enabled)
        wlog = wcm.__enter__()
        if wlog is None:
            wlog = ()
        warnings.filters[:] = self._base_filters
        _filters_mutated()
        self.deselected = []
        try:
            session_conftests = msg.get("conftests")
            if session_conftests:
                self.collector.load_session_conftests(session_conftests)
            if ignore.is_ignored(self, module):
                wcm.__exit__(None, None, None)
                self.capture.stop()
                send({"t": "collected", "batch": batch, "module": module, "items": [],
                      "import_s": perf_counter() - t0, "deselected": 0})
                send({"t": "batch_done", "batch": batch, "duration_s": perf_counter() - t0,
                      "import_s": perf_counter() - t0})
                return
            mnode, items, class_errors = self.collector.collect(module)
            if not self.plugins_loaded and "pytest" in sys.modules:
                self.load_entry_point_plugins()
                mnode, items, class_errors = self.collector.collect(module)
            if self.fatal is not None:
                raise self.fatal
        except Fatal:
            wcm.__exit__(None, None, None)
            self.capture.stop()
            raise
        except ModuleSkipped as e:
            wcm.__exit__(None, None, None)
            out, err = self.capture.stop()
            import_s = perf_counter() - t0
            if msg.get("collect_only") and getattr(self.config.option, "collectonly", False):
                # pytest --collect-only lists nothing for a module that skips itself (a
                # batch only collected after an interrupting collection error still
                # reports its skip: pytest counts it in that run's summary).
                send({"t": "collected", "batch": batch, "module": module, "items": [],
                      "import_s": import_s})
            else:
                self._module_skipped(batch, module, e, import_s, out, err)
            send({"t": "batch_done", "batch": batch, "duration_s": perf_counter() - t0,
                  "import_s": import_s})
            return
        except CollectError as e:
            wcm.__exit__(None, None, None)
            out, err = self.capture.stop()
            import_s = perf_counter() - t0
            # "module" names the collector that failed: the batch's module, or the session
            # ("") or a package ("pkg/__init__.py") whose walk a hook broke. "more": how many
            # of this batch's collect_error frames still follow (a test module's
            # DoctestModule fails before its Module).
            errors = e.before + [e]
            for n, err in enumerate(errors):
                send({"t": "collect_error", "batch": batch,
                      "module": module if err.collector is None else err.collector,
                      "longrepr": err.text, "line": err.line, "message": err.message,
                      "more": len(errors) - n - 1})
            send({"t": "batch_done", "batch": batch, "duration_s": perf_counter() - t0,
                  "import_s": import_s})
            return
        except BaseException as e:  # a harness bug must not kill the worker
            if isinstance(e, KeyboardInterrupt):
                raise
            wcm.__exit__(None, None, None)
            self.capture.stop()
            import_s = perf_counter() - t0
            send({"t": "collect_error", "batch": batch, "module": module,
                  "longrepr": report.format_exception(e), "line": 0})
            send({"t": "batch_done", "batch": batch, "duration_s": perf_counter() - t0,
                  "import_s": import_s})
            return
        self.good_path = list(sys.path)
        try:
            items = self._modify_items(mnode, items)
        except BaseException as e:  # noqa: B902 - a broken hook is that module's error
            if isinstance(e, KeyboardInterrupt):
                raise
            if isinstance(e, compat.outcome_types()[3]):
                # pytest.exit() in pytest_collection_modifyitems: pytest, collecting the
                # whole session first, runs no test.
                wcm.__exit__(None, None, None)
                self.capture.stop()
                try:
                    _check_exit(e)
                except Fatal as fatal:
                    fatal.when = "collect"
                    raise
            wcm.__exit__(None, None, None)
            self.capture.stop()
            # pytest calls the hook once for the whole session, outside any collector: an
            # exception is an INTERNALERROR (exit 3) before any test runs.
            from .startup import configure_error
            fatal = configure_error(e, "pytest_collection_modifyitems")
            fatal.when = "collect"
            raise fatal
        self.capture.stop()
        wcm.__exit__(None, None, None)
        for w in wlog:
            send({"t": "warning", "batch": batch, "nodeid": "", "category": w.category.__name__,
                  "message": str(w.message), "filename": w.filename, "lineno": w.lineno})
        items = self._select(items, select)
        items = reorder.reorder_items(items)
        items = _run_first(items, msg.get("first"))
        import_s = perf_counter() - t0
        deselected = {i.nodeid for i in self.deselected}
        if select:
            deselected = {n for n in deselected if any(marks.selected(n, p) for p in select)}
        collected = {"t": "collected", "batch": batch, "module": module,
                     "items": [i.nodeid for i in items], "import_s": import_s,
                     "deselected": len(deselected)}
        if msg.get("collect_only") and self.config.verbose >= 0 and \
                getattr(self.config.option, "collectonly", False):
            # --collect-only without -q prints pytest's tree: each item's collectors.
            collected["tree"] = [tree.item_chain(self.collector, i, self.config.verbose >= 1)
                                 for i in items]
        # Held with the batch's first frames (the controller wakes once for them, not
        # once more per batch); the watch thread writes it within ~40 ms at the latest.
        self.ch.queue(collected)
        self.ch.flush_soon()
        if msg.get("collect_only"):
            self._show_fixtures(items)
            # --collect-only: the runtime ids are the answer; module-scope state goes away.
            self._teardown_scope(3)
            self._teardown_scope(2)
            send({"t": "batch_done", "batch": batch, "duration_s": perf_counter() - t0,
                  "import_s": import_s})
            return
        for nodeid, text in class_errors:
            if not select or any(marks.selected(nodeid, p) or marks.selected(p, nodeid) for p in select):
                send({"t": "result", "batch": batch, "nodeid": nodeid, "outcome": "error",
                      "when": "collect", "setup_s": 0.0, "call_s": 0.0, "teardown_s": 0.0,
                      "longrepr": text, "message": text.strip().splitlines()[-1] if text.strip() else "",
                      "stdout": "", "stderr": "", "log": "", "line": 0})
        items = self.reruns.batch(items, msg)
        n = len(items)
        stop = False
        i = -1
        while i + 1 < len(items):  # --reruns appends a failed test to the batch
            i += 1
            n = len(items)
            nxt = items[i + 1] if i + 1 < n and not stop else None
            try:
                failed = self.run_item(batch, items[i], nxt)
            except Fatal:
                raise
            except Exception as e:  # a harness bug is that test's error, not a dead worker
                failed = True
                self.ch.send({"t": "result", "batch": batch, "nodeid": items[i].nodeid,
                              "outcome": "error", "when": "setup", "setup_s": 0.0,
                              "call_s": 0.0, "teardown_s": 0.0,
                              "longrepr": "fastest internal error:\n" + report.format_exception(e),
                              "message": "fastest internal error: %r" % (e,), "stdout": "",
                              "stderr": "", "log": "", "line": items[i].line})
            if failed:
                self.ch.flush()  # -x and --maxfail stop the run as soon as it is known
            if failed and self.config.exitfirst:
                stop = True
                if nxt is not None:
                    # Tear down what the next item would have torn down.
                    self._teardown_scope(3)
                    self._teardown_scope(2)
                break
        if not n:
            self._teardown_scope(3)
            self._teardown_scope(2)
        send({"t": "batch_done", "batch": batch, "duration_s": perf_counter() - t0,
              "import_s": import_s})

    def _modify_items(self, mnode, items):
        from .hooks import call_hook, hook_call_order
        # config.hook, not the module's ihook: every conftest loaded (the whole tree's,
        # see load_session_conftests) modifies this batch's items, as pytest's do the
        # session's.
        hooks = hook_call_order(self.session_hook_modules(), "pytest_collection_modifyitems")
        if not hooks:
            return items
        items = list(items)
        for h in hooks:
            call_hook(h, session=self.session, config=self.config, items=items)
        self._runtest_hooks = None
        return items

    def _assertrepr_hook(self, item):
        """The conftests' and plugins' ``pytest_assertrepr_compare`` above ``item`` as one
        function for rewritten asserts: the first non-empty result (pytest's callbinrepr),
        or None when none implements it."""
        hooks = self._item_hooks(item, "pytest_assertrepr_compare")
        if not hooks:
            return None
        config = self.config

        def first_result(op, left, right):
            from .hooks import call_hook
            for fn in hooks:
                lines = call_hook(fn, config=config, op=op, left=left, right=right)
                if lines:
                    return lines
            return None
        return first_result

    def _module_runtest_hooks(self, item):
        """(assertrepr function or None, setup hooks, teardown hooks) of ``item``'s module,
        worked out once per module: the per-test path asks for all three."""
        cache = item.module_node.hooks
        got = cache.get(_RUNTEST_HOOKS)
        if got is None:
            got = cache[_RUNTEST_HOOKS] = (self._assertrepr_hook(item),
                                           self._item_hooks(item, "pytest_runtest_setup"),
                                           self._item_hooks(item, "pytest_runtest_teardown"))
        return got

    def _item_hooks(self, item, name):
        hooks = item.module_node.hooks.get(name)
        if hooks is None:
            cache = item.module_node.hooks
            from .hooks import hook_call_order
            hooks = cache[name] = hook_call_order(self.conftest_modules_for(item), name)
        return hooks

    def _select(self, items, select):
        """The batch's share of the items, less what ``--deselect``, ``-k`` and ``-m``
        deselect (in pytest's order; those are kept in ``self.deselected``)."""
        if select:
            chosen = set(select)
            items = [i for i in items if marks.selected_by_any(i.nodeid, chosen)]
        prefixes = self.config.option.deselect
        if prefixes:
            items = self._deselect(items, lambda i: not any(
                i.nodeid.startswith(p) for p in prefixes))
        kw = self.kw_expr
        if kw is not None:
            items = self._deselect(items, lambda i: kw(marks.KeywordMatcher(i)))
        me = self.mark_expr
        if me is not None:
            items = self._deselect(items, lambda i: me(marks.MarkMatcher(i)))
        return items

    def _show_fixtures(self, items):
        """``--fixtures-per-test``: one ``info`` per batch; ``--fixtures``: the levels
        are kept for the listing sent at ``shutdown``."""
        from . import showfixtures
        opt = self.config.option
        cwd = self.config.invocation_dir
        if opt.showfixtures:
            for level in self.collector.last_levels:
                self.fixture_levels.setdefault(id(level), level)
        if not opt.show_fixtures_per_test:
            return
        text = []
        for item in items:
            entries = []
            direct = item.callspec.funcargs if item.callspec is not None else {}
            for name in item.fixturenames:
                defs = item.chain.defs(name)
                if name in direct and name not in item.callspec.params:
                    e = showfixtures.direct_param_entry(name, cwd)
                elif defs:
                    e = showfixtures.entry_for(defs[-1], cwd)
                else:
                    e = None
                if e is not None:
                    entries.append(e)
            text.append(showfixtures.per_test_text(item, entries, self.config.verbose, cwd))
        if any(text):
            self.ch.send({"t": "info", "text": "".join(text)})

    def fixtures_listing(self):
        from . import showfixtures
        cwd = self.config.invocation_dir
        entries = []
        levels = [self.builtins_level, self.plugins_level] + list(self.fixture_levels.values())
        for level in levels:
            for fd in level.defs.values():
                e = showfixtures.entry_for(fd, cwd)
                if e is not None:
                    entries.append(e)
        return showfixtures.fixtures_text(entries, self.config.verbose)

    def _deselect(self, items, keep):
        kept = []
        for i in items:
            (kept if keep(i) else self.deselected).append(i)
        return kept

    def _module_skipped(self, batch, module, e, import_s, out, err):
        send = self.ch.send
        nodeid = module.replace(os.sep, "/")
        fn, line = e.where
        where = outcomes._rel(fn, self.config.rootdir_str) if fn else nodeid
        send({"t": "collected", "batch": batch, "module": module, "items": [nodeid],
              "import_s": import_s})
        send({"t": "start", "batch": batch, "nodeid": nodeid})
        send({"t": "result", "batch": batch, "nodeid": nodeid, "outcome": "skipped",
              "when": "collect", "setup_s": 0.0, "call_s": 0.0, "teardown_s": 0.0,
              "longrepr": "%s:%d: %s" % (where, line, e.reason), "message": e.reason,
              "stdout": out, "stderr": err, "log": "", "line": line,
              "reports": doctests.skip_reports(self.collector, module)})

    def _teardown_scope(self, idx):
        if idx == 1:
            return self._leave_packages(None)
        first = fx.run_finalizers(self.scope_fins[idx])
        if first is not None:
            return report.format_failure(first, self.config.invocation_dir)
        return None

    def _session_end_hooks(self):
        """pytest_sessionfinish then pytest_unconfigure (last registered first), after
        the session scope ended, as in an xdist worker. Returns (warnings, fatal): an
        exception out of either hook is pytest's uncaught error (its traceback, exit 1;
        ``pytest.exit(returncode=N)``: ``Exit: msg``, exit N), the first one as a
        ``startup.Fatal``; a hook's other implementations are not called after it
        (pluggy), the next hook is (pytest's ``finally``)."""
        from .hooks import call_hook
        from .startup import Fatal
        errors = []
        fatal = None
        status = 1 if self.session.testsfailed else 0
        exit_t = compat.outcome_types()[3]
        for name, kwargs in (("pytest_sessionfinish", {"session": self.session,
                                                       "exitstatus": status}),
                             ("pytest_unconfigure", {"config": self.config})):
            for mod in reversed(self.registered):
                fn = getattr(mod, name, None)
                if fn is None or mod in self.entry_plugins:
                    continue
                try:
                    call_hook(fn, **kwargs)
                except KeyboardInterrupt:
                    raise
                except BaseException as e:  # noqa: B902 - reported, shutdown goes on
                    if isinstance(e, exit_t):
                        code = getattr(e, "returncode", None)
                        if code is None:
                            errors.append(report.format_failure(e, self.config.invocation_dir))
                        elif fatal is None:
                            fatal = Fatal(int(code), "%s: %s\n" % (type(e).__name__, e))
                    elif fatal is None:
                        fatal = Fatal(1, report.format_exception(e) + "\n")
                    if fatal is not None and name == "pytest_sessionfinish":
                        # pytest's terminal reporter wraps this hook: it prints no summary.
                        fatal.when = "sessionfinish"
                    break
        return errors, fatal

    def teardown_all(self):
        """Before a ``fatal``: every scope torn down, as pytest's session finish does."""
        self.capture.start()
        for idx in (3, 2, 1, 0):
            self._teardown_scope(idx)
        self.capture.stop()

    def shutdown(self):
        """Session teardown; a failure there is reported as a TeardownError warning."""
        self.capture.start()
        if self.live_log is not None:
            self.live_log.when = "sessionfinish"
        errors = [self._teardown_scope(idx) for idx in (3, 2, 1, 0)]
        fatal = None
        if self.configured:
            more, fatal = self._session_end_hooks()
            errors += more
        if self.live_log is not None and self.live_log.sections:
            self.ch.queue({"t": "info", "text": "".join(
                report.sep("-", "live log " + when) + "\n" + text
                for when, text in self.live_log.take())})
        if self.config.option.showfixtures:
            self.ch.queue({"t": "info", "text": self.fixtures_listing()})
        self.capture.stop()
        for err in errors:
            if err is not None:
                self.ch.send({"t": "warning", "batch": 0, "nodeid": "", "category": "TeardownError",
                              "message": err.lstrip("\n"), "filename": "", "lineno": 0})
        if fatal is not None:
            self.ch.send({"t": "fatal", "exit_code": fatal.exit_code, "message": fatal.message,
                          "when": getattr(fatal, "when", "unconfigure")})
        self.ch.flush()
        self.capture.close()
        self.tmp.cleanup()

    # ------------------------------------------------------------ one item

    def run_item(self, batch, item, nxt):
        """Run one test; send start and result. True when it failed or errored."""
        ch = self.ch
        if self.reruns.failed:
            self.reruns.before_attempt(item)
        quoted = proto.quoted_id(item.nodeid)
        frame = proto.start_frame_of(batch, quoted)
        if frame is None:
            ch.queue({"t": "start", "batch": batch, "nodeid": item.nodeid})
        else:
            ch.queue_frame(frame)
        ch.flush_soon()
        self.current = item
        assertrepr.hook, setup_hooks, teardown_hooks = self._module_runtest_hooks(item)
        cap = self.capture
        cap.start()
        log = self.log_handler
        log.records = []
        saved_filters = warnings.filters
        saved_show = warnings.showwarning
        saved_showmsg = warnings._showwarnmsg_impl
        warnings.filters = list(self._base_filters)
        wlog = []
        if self.warnings_enabled:
            warnings._showwarnmsg_impl = wlog.append
            warnings.showwarning = _showwarning_orig
        marked = item.any_marks  # a parent walk: asked once before setup
        if marked and self.warnings_enabled:
            for mark in item.iter_markers("filterwarnings"):
                for arg in mark.args:
                    try:
                        warnings.filterwarnings(*marks.parse_warning_filter(arg, escape=False))
                    except Exception:
                        pass
        _filters_mutated()
        self.item_finalizers = []
        self.when = "setup"
        # pytest's PYTEST_CURRENT_TEST, phase by phase, gone after teardown (code asks
        # `"PYTEST_CURRENT_TEST" in os.environ` to know it runs under pytest).
        current = _encode_current(item.nodeid.replace("\0", "(null)"))
        _set_current(current + _SETUP_SUFFIX)
        live = self.live_log
        if live is not None:
            live.when = "setup"
        xfailed = None
        setup_exc = call_exc = td_exc = None
        t0 = perf_counter()
        try:
            xfailed = self._setup(item, marked, setup_hooks)
        except BaseException as e:  # noqa: B902 - any setup failure is a result
            setup_exc = e
            xfailed = getattr(e, "_fastest_xfailed", None)
        if proto.forked or (not _AT_FORK and _getpid() != self.pid):
            self._forked_exit()
        t1 = perf_counter()
        if setup_exc is None and fx.show_action is not None:
            self._show_test_item(item)
        if setup_exc is None and not getattr(self.config.option, "setuponly", False):
            self.when = "call"
            _set_current(current + _CALL_SUFFIX)
            if live is not None:
                live.when = "call"
            if self.caplog_handler is not None:
                self.caplog_handler.new_phase("call")
            try:
                self._call(item)
            except BaseException as e:  # noqa: B902
                call_exc = e
            if proto.forked or (not _AT_FORK and _getpid() != self.pid):
                self._forked_exit()
            if xfailed is None and item.any_marks:  # setup may have added a mark
                try:
                    xfailed = marks.eval_xfail(self, item)
                except BaseException:  # noqa: B902
                    xfailed = None
        t2 = perf_counter()
        self.when = "teardown"
        _set_current(current + _TEARDOWN_SUFFIX)
        if live is not None:
            live.when = "teardown"
        if self.caplog_handler is not None:
            self.caplog_handler.new_phase("teardown")
        td_exc = self._teardown(item, nxt, teardown_hooks)
        _clear_current()
        if proto.forked or (not _AT_FORK and _getpid() != self.pid):
            self._forked_exit()
        t3 = perf_counter()
        out, err = cap.stop()
        warnings.filters = saved_filters
        _filters_mutated()
        warnings.showwarning = saved_show
        warnings._showwarnmsg_impl = saved_showmsg
        _check_exit(setup_exc if setup_exc is not None else call_exc)
        if setup_exc is None and call_exc is None and td_exc is None and xfailed is None:
            if not (out or err or log.records or wlog or item.user_properties
                    or item.xml_attributes or self.reruns.failed or item.kind == "doctest"
                    or (live is not None and live.sections)):
                # The common case (passed, nothing captured): its frame without the dict.
                frame = proto.passed_frame_of(batch, quoted, item.line, t1 - t0, t2 - t1,
                                              t3 - t2)
                if frame is not None:
                    if live is not None:
                        live.when = "collection"
                    item.funcargs = None
                    item.instance = None
                    self.current = None
                    ch.queue_frame(frame)
                    return False
            res = {"outcome": "passed", "when": "call", "longrepr": "", "message": ""}
        else:
            res = outcomes.decide(self, item, xfailed, setup_exc, call_exc, td_exc)
        if item.kind == "doctest":
            item.finish_result(res)
        res["t"] = "result"
        res["batch"] = batch
        res["nodeid"] = item.nodeid
        res["setup_s"] = t1 - t0
        res["call_s"] = t2 - t1
        res["teardown_s"] = t3 - t2
        res["stdout"] = out
        res["stderr"] = err
        res["log"] = log.text() if log.records else ""
        res["line"] = item.line
        log.records = []
        if live is not None:
            live.when = "collection"
            if live.sections:
                res["live_log"] = live.take()
        for w in wlog:
            ch.queue({"t": "warning", "batch": batch, "nodeid": item.nodeid,
                  "category": w.category.__name__, "message": str(w.message),
                  "filename": w.filename, "lineno": w.lineno})
        if item.user_properties:
            res["properties"] = [[str(k), str(v)] for k, v in item.user_properties]
        if item.xml_attributes:
            res["xml_attributes"] = [[str(k), str(v)] for k, v in item.xml_attributes]
        item.funcargs = None
        item.instance = None
        self.current = None
        again = self.reruns.again(self, item, res)
        ch.queue(res)
        if again:
            return False
        failed = res["outcome"] in ("failed", "error") or "teardown_error" in res
        if failed:
            self.session.testsfailed += 1
        return failed

    @staticmethod
    def _forked_exit():
        """A forked child came back into the harness: never report twice."""
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:
            pass
        os._exit(0)

    def _setup(self, item, marked, hooks):
        # Marks: skip/skipif first, then xfail (as pytest's skipping plugin).
        xfailed = None
        if marked:
            marks.eval_skip(self, item)
            xfailed = marks.eval_xfail(self, item)
            if xfailed is not None and not xfailed.run and not self.config.run_xfail:
                e = marks._XfailNotRun("[NOTRUN] " + xfailed.reason)
                e._fastest_xfailed = xfailed
                raise e
        try:
            if hooks:
                from .hooks import call_hook
                for h in hooks:
                    call_hook(h, item=item)
            cls = item.cls
            if cls is not None:
                if item.kind == "unittest":
                    item.instance = cls(item.name)
                else:
                    item.instance = cls()
            if item.fixturenames:
                req = fx.FixtureRequest(self, item)
                item._request = req
                values = {}
                cs = item.callspec
                if cs is not None:
                    values.update(cs.funcargs)
                item.funcargs = values
                for name in item.fixturenames:
                    if name not in values:
                        values[name] = self.getfixturevalue(req, name)
            else:
                item.funcargs = {}
                item._request = None
            if item.kind == "doctest":
                doctests.setup(self, item)
            elif self.nose and item.kind == "function":
                d = getattr(item.function, "__dict__", None)
                if d and ("setup" in d or "teardown" in d):
                    xunit.nose_function_setup(self, item)
        except BaseException as e:  # noqa: B902
            e._fastest_xfailed = xfailed
            raise
        return xfailed

    def _call(self, item):
        if item.kind == "unittest":
            return self._call_unittest(item)
        if item.kind == "doctest":
            return doctests.call(self, item)
        func = item.function
        if item.instance is not None:
            func = getattr(item.instance, item.originalname)
        args = item.argnames
        fa = item.funcargs
        if "hypothesis" in sys.modules:
            integrations.hypothesis_checks(item, func)
        if item.is_async:
            return integrations.call_async(self, item, func, {a: fa[a] for a in args})
        if args:
            result = func(**{a: fa[a] for a in args})
        else:
            result = func()
        if result is not None and not hasattr(result, "__await__"):
            integrations.warn_return_not_none(item, result)
        elif hasattr(result, "__await__"):
            try:
                result.close()
            except Exception:
                pass
            integrations.async_skip(item)

    def _call_unittest(self, item):
        result = outcomes.UnitResult()
        tc = item.instance
        tc.run(result)
        if result.excinfo:
            raise result.excinfo[0]

    def _teardown(self, item, nxt, hooks):
        """Run item finalizers, the teardown ``hooks`` and scope transitions; first
        exception or None."""
        first = fx.run_finalizers(self.item_finalizers) if self.item_finalizers else None
        if hooks:
            from .hooks import call_hook
            for h in hooks:
                try:
                    call_hook(h, item=item, nextitem=nxt)
                except BaseException as e:  # noqa: B902
                    if first is None:
                        first = e
        fins = self.scope_fins
        if fins[3] and (nxt is None or nxt.class_key() is not item.class_key()):
            first = fx.run_finalizers(fins[3], first)
        if fins[2] and (nxt is None or nxt.module_node is not item.module_node):
            first = fx.run_finalizers(fins[2], first)
        return first

def _check_exit(exc):
    """``pytest.exit()`` in a test ends the session (no result for that test)."""
    if exc is None:
        return
    exit_t = compat.outcome_types()[3]
    if isinstance(exc, exit_t):
        code = getattr(exc, "returncode", None)
        title = "%s: %s" % (report.qualified_name(type(exc)), getattr(exc, "msg", exc))
        raise Fatal(2 if code is None else int(code), report.sep("!", title) + "\n")


def _ini_lines(v):
    if not v:
        return []
    if isinstance(v, str):
        return [x.strip() for x in v.splitlines() if x.strip()]
    return list(v)


def _run_first(items, first):
    """The `run` message's `first` (--ff, --nf): items matching one of those node-id
    prefixes move to the front, both groups keeping their order, after every other
    reordering, as pytest's cache plugin reorders the collected items."""
    if not first:
        return items
    front = [i for i in items if any(marks.selected(i.nodeid, p) for p in first)]
    if not front:
        return items
    chosen = set(id(i) for i in front)
    return front + [i for i in items if id(i) not in chosen]
