"""Running batches: setup/call/teardown per item, outcomes as pytest decides them."""
import inspect
import logging
import os
import platform
import sys
import warnings
from collections import deque
from time import perf_counter

_getpid = os.getpid
_showwarning_orig = warnings._showwarning_orig
_filters_mutated = getattr(warnings, "_filters_mutated", None) or getattr(
    warnings, "_filters_mutated_lock_held", None) or (lambda: None)

from . import compat
from . import fixtures as fx
from . import report
from .capture import Capture
from .collect import Collector, CollectError, ModuleSkipped
from .nodes import FUNCTION, Class, Config, SCOPES


class _MarkSkip(Exception):
    """Skip decided by a skip/skipif mark (reported at the item's location)."""


class _MarkFail(Exception):
    """A mark that cannot be evaluated (pytest fails the setup with pytrace=False)."""


class _XfailNotRun(Exception):
    pass


class XfailInfo:
    __slots__ = ("reason", "run", "strict", "raises")

    def __init__(self, reason, run, strict, raises):
        self.reason = reason
        self.run = run
        self.strict = strict
        self.raises = raises


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


class LogHandler(logging.Handler):
    """Keeps records; formats them only when asked."""

    def __init__(self):
        logging.Handler.__init__(self, 0)
        self.records = []
        self.setFormatter(logging.Formatter(
            "%(levelname)-8s %(name)s:%(filename)s:%(lineno)d %(message)s"))

    def emit(self, record):
        self.records.append(record)

    def reset(self):
        self.records = []

    def text(self):
        out = []
        for r in self.records:
            try:
                out.append(self.format(r))
            except Exception as e:
                out.append("<unformattable log record: %r>" % (e,))
        return "\n".join(out) + ("\n" if out else "")

    def handleError(self, record):
        raise


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
        self.package_dir = None
        self.class_key = None
        self.item_finalizers = []
        self.holders = {}
        self.conftests = []  # (abs dir, module)
        self.plugins_loaded = False
        self.capture = Capture(config.capture)
        self.kw_expr = compat.compile_expr(config.keyword) if config.keyword else None
        self.mark_expr = compat.compile_expr(config.markexpr) if config.markexpr else None
        self.log_handler = LogHandler()
        self.log_handler.setLevel(_log_level(config.ini.get("log_level")))
        logging.getLogger().addHandler(self.log_handler)
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

    def _make_base_filters(self):
        with warnings.catch_warnings():
            warnings.filterwarnings("always", category=DeprecationWarning)
            warnings.filterwarnings("always", category=PendingDeprecationWarning)
            for arg in _ini_lines(self.config.ini.get("filterwarnings")):
                try:
                    warnings.filterwarnings(*parse_warning_filter(arg, escape=False))
                except Exception:
                    pass
            return list(warnings.filters)

    def register_conftest(self, mod):
        from .hooks import conftest_loaded
        d = os.path.dirname(os.path.abspath(mod.__file__))
        self.conftests.append((d, mod))
        self._load_pytest_plugins(mod)
        conftest_loaded(mod, self.config)

    def _load_pytest_plugins(self, mod):
        names = getattr(mod, "pytest_plugins", None)
        if not names:
            return
        if isinstance(names, str):
            names = [names]
        import importlib
        for name in names:
            try:
                pmod = importlib.import_module(name)
            except Exception:
                continue
            self._add_plugin(pmod)

    def _add_plugin(self, pmod):
        level = fx.parse_fixtures(pmod, "", self.config)
        for name, fd in level.defs.items():
            self.plugins_level.add(fd)
        self.base_chain.levels[1].autouse[:] = self.plugins_level.autouse
        fx.bump_generation()

    def on_pytest_imported(self, pytest_module):
        """pytest was just imported by user code: plugins, markers, mark config."""
        if not self.plugins_loaded:
            self.load_entry_point_plugins()
        structures = sys.modules.get("_pytest.mark.structures")
        gen = getattr(structures, "MARK_GEN", None)
        if gen is not None and getattr(gen, "_config", None) is None:
            gen._config = self.config

    def load_entry_point_plugins(self):
        from .hooks import conftest_loaded
        self.plugins_loaded = True
        if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
            return
        try:
            from importlib.metadata import entry_points
            eps = entry_points(group="pytest11")
        except Exception:
            return
        disabled = self.config.disabled_plugins
        for ep in eps:
            if ep.name in disabled:
                continue
            try:
                mod = ep.load()
            except Exception:
                continue
            if isinstance(mod, type(sys)):
                self._add_plugin(mod)
                conftest_loaded(mod, self.config)

    def conftest_modules_for(self, item):
        path = str(item.path)
        return [m for d, m in self.conftests if path.startswith(d + os.sep)]

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
                fd.name, request.scope, fd.scope, self._fixture_stack(request) + [fd]))
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
        try:
            value = fx.call_fixture(fd, sub, kwargs)
        except Exception as e:
            fd.cached = (None, key, e, e.__traceback__)
            raise
        except BaseException as e:
            if isinstance(e, compat.outcome_types()[:3]):
                fd.cached = (None, key, e, e.__traceback__)
            raise
        fd.cached = (value, key, None, None)
        return value

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
        elif idx == 0 or (idx == 1 and self.package_dir is None):
            self.scope_fins[0].append(fd.finish)
        else:
            self.scope_fins[idx].append(fd.finish)

    # ------------------------------------------------------------ batches

    def run_batch(self, msg):
        batch = msg.get("batch", 0)
        module = msg.get("module", "")
        select = msg.get("select") or []
        send = self.ch.send
        t0 = perf_counter()
        self._restore_process_state()
        pkg = self._package_of(module)
        if pkg != self.package_dir:
            err = self._teardown_scope(1)
            self.package_dir = pkg
            if err is not None:
                send({"t": "warning", "batch": batch, "nodeid": "", "category": "TeardownError",
                      "message": err, "filename": "", "lineno": 0})
        self.capture.start()
        wcm = warnings.catch_warnings(record=True)
        wlog = wcm.__enter__()
        warnings.filters[:] = self._base_filters
        _filters_mutated()
        try:
            mnode, items, class_errors = self.collector.collect(module)
            if not self.plugins_loaded and "pytest" in sys.modules:
                self.load_entry_point_plugins()
                mnode, items, class_errors = self.collector.collect(module)
        except ModuleSkipped as e:
            wcm.__exit__(None, None, None)
            out, err = self.capture.stop()
            import_s = perf_counter() - t0
            self._module_skipped(batch, module, e, import_s, out, err)
            send({"t": "batch_done", "batch": batch, "duration_s": perf_counter() - t0,
                  "import_s": import_s})
            return
        except CollectError as e:
            wcm.__exit__(None, None, None)
            out, err = self.capture.stop()
            import_s = perf_counter() - t0
            send({"t": "collect_error", "batch": batch, "module": module,
                  "longrepr": e.text, "line": e.line})
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
            wcm.__exit__(None, None, None)
            self.capture.stop()
            send({"t": "collect_error", "batch": batch, "module": module,
                  "longrepr": report.format_exception(e), "line": 0})
            send({"t": "batch_done", "batch": batch, "duration_s": perf_counter() - t0,
                  "import_s": perf_counter() - t0})
            return
        self.capture.stop()
        wcm.__exit__(None, None, None)
        for w in wlog:
            send({"t": "warning", "batch": batch, "nodeid": "", "category": w.category.__name__,
                  "message": str(w.message), "filename": w.filename, "lineno": w.lineno})
        items = self._select(items, select)
        items = reorder_items(items)
        import_s = perf_counter() - t0
        send({"t": "collected", "batch": batch, "module": module,
              "items": [i.nodeid for i in items], "import_s": import_s})
        for nodeid, text in class_errors:
            if not select or any(_selected(nodeid, p) or _selected(p, nodeid) for p in select):
                send({"t": "result", "batch": batch, "nodeid": nodeid, "outcome": "error",
                      "when": "collect", "setup_s": 0.0, "call_s": 0.0, "teardown_s": 0.0,
                      "longrepr": text, "message": text.strip().splitlines()[-1] if text.strip() else "",
                      "stdout": "", "stderr": "", "log": "", "line": 0})
        n = len(items)
        stop = False
        for i in range(n):
            nxt = items[i + 1] if i + 1 < n and not stop else None
            try:
                failed = self.run_item(batch, items[i], nxt)
            except Exception as e:  # a harness bug is that test's error, not a dead worker
                failed = True
                self.ch.send({"t": "result", "batch": batch, "nodeid": items[i].nodeid,
                              "outcome": "error", "when": "setup", "setup_s": 0.0,
                              "call_s": 0.0, "teardown_s": 0.0,
                              "longrepr": "fastest internal error:\n" + report.format_exception(e),
                              "message": "fastest internal error: %r" % (e,), "stdout": "",
                              "stderr": "", "log": "", "line": items[i].line})
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
        from .hooks import call_hook
        hooks = [getattr(m, "pytest_collection_modifyitems", None)
                 for m in self.conftest_modules_for(mnode)]
        hooks = [h for h in hooks if h is not None]
        if not hooks:
            return items
        items = list(items)
        for h in reversed(hooks):
            call_hook(h, session=self.session, config=self.config, items=items)
        self._runtest_hooks = None
        return items

    def _item_hooks(self, item, name):
        cache = item.module_node.hooks
        hooks = cache.get(name)
        if hooks is None:
            hooks = [getattr(m, name) for m in self.conftest_modules_for(item)
                     if getattr(m, name, None) is not None]
            hooks.reverse()
            cache[name] = hooks
        return hooks

    def _package_of(self, module):
        d = os.path.dirname(os.path.join(self.config.rootdir_str, module))
        if os.path.isfile(os.path.join(d, "__init__.py")):
            return d
        return None

    def _select(self, items, select):
        if select:
            items = [i for i in items if any(_selected(i.nodeid, p) for p in select)]
        kw = self.kw_expr
        if kw is not None:
            items = [i for i in items if kw(_KeywordMatcher(i))]
        me = self.mark_expr
        if me is not None:
            items = [i for i in items if me(_MarkMatcher(i))]
        return items

    def _module_skipped(self, batch, module, e, import_s, out, err):
        send = self.ch.send
        nodeid = module.replace(os.sep, "/")
        fn, line = e.where
        where = _rel(fn, self.config.rootdir_str) if fn else nodeid
        send({"t": "collected", "batch": batch, "module": module, "items": [nodeid],
              "import_s": import_s})
        send({"t": "start", "batch": batch, "nodeid": nodeid})
        send({"t": "result", "batch": batch, "nodeid": nodeid, "outcome": "skipped",
              "when": "collect", "setup_s": 0.0, "call_s": 0.0, "teardown_s": 0.0,
              "longrepr": "%s:%d: %s" % (where, line, e.reason), "message": e.reason,
              "stdout": out, "stderr": err, "log": "", "line": line})

    def _teardown_scope(self, idx):
        fins = self.scope_fins[idx]
        first = None
        while fins:
            fin = fins.pop()
            try:
                fin()
            except BaseException as e:  # noqa: B902
                if first is None:
                    first = e
        if first is not None:
            return report.format_failure(first, self.config.rootdir_str)
        return None

    def shutdown(self):
        for idx in (3, 2, 1, 0):
            self._teardown_scope(idx)
        self.capture.close()
        self.tmp.cleanup()

    # ------------------------------------------------------------ one item

    def run_item(self, batch, item, nxt):
        """Run one test; send start and result. True when it failed or errored."""
        ch = self.ch
        ch.queue({"t": "start", "batch": batch, "nodeid": item.nodeid})
        ch.flush()
        self.current = item
        cap = self.capture
        cap.start()
        log = self.log_handler
        log.records = []
        saved_filters = warnings.filters
        saved_show = warnings.showwarning
        saved_showmsg = warnings._showwarnmsg_impl
        warnings.filters = list(self._base_filters)
        wlog = []
        warnings._showwarnmsg_impl = wlog.append
        warnings.showwarning = _showwarning_orig
        if item.any_marks:
            for mark in item.iter_markers("filterwarnings"):
                for arg in mark.args:
                    try:
                        warnings.filterwarnings(*parse_warning_filter(arg, escape=False))
                    except Exception:
                        pass
        _filters_mutated()
        self.item_finalizers = []
        self.when = "setup"
        xfailed = None
        setup_exc = call_exc = td_exc = None
        t0 = perf_counter()
        try:
            xfailed = self._setup(item)
        except BaseException as e:  # noqa: B902 - any setup failure is a result
            setup_exc = e
            xfailed = getattr(e, "_fastest_xfailed", None)
        if _getpid() != self.pid:
            self._forked_exit()
        t1 = perf_counter()
        if setup_exc is None:
            self.when = "call"
            if self.caplog_handler is not None:
                self.caplog_handler.new_phase("call")
            try:
                self._call(item)
            except BaseException as e:  # noqa: B902
                call_exc = e
            if _getpid() != self.pid:
                self._forked_exit()
            if xfailed is None and item.any_marks:
                try:
                    xfailed = self._eval_xfail(item)
                except BaseException:  # noqa: B902
                    xfailed = None
        t2 = perf_counter()
        self.when = "teardown"
        if self.caplog_handler is not None:
            self.caplog_handler.new_phase("teardown")
        td_exc = self._teardown(item, nxt)
        if _getpid() != self.pid:
            self._forked_exit()
        t3 = perf_counter()
        out, err = cap.stop()
        warnings.filters = saved_filters
        _filters_mutated()
        warnings.showwarning = saved_show
        warnings._showwarnmsg_impl = saved_showmsg
        if setup_exc is None and call_exc is None and td_exc is None and xfailed is None:
            res = {"outcome": "passed", "when": "call", "longrepr": "", "message": ""}
        else:
            res = self._outcome(item, xfailed, setup_exc, call_exc, td_exc)
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
        for w in wlog:
            ch.queue({"t": "warning", "batch": batch, "nodeid": item.nodeid,
                  "category": w.category.__name__, "message": str(w.message),
                  "filename": w.filename, "lineno": w.lineno})
        item.funcargs = None
        item.instance = None
        self.current = None
        ch.queue(res)
        return res["outcome"] in ("failed", "error") or "teardown_error" in res

    def _forked_exit(self):
        if True:
            # A forked child came back into the harness: never report twice.
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            except Exception:
                pass
            os._exit(0)

    def _setup(self, item):
        # Marks: skip/skipif first, then xfail (as pytest's skipping plugin).
        xfailed = None
        if item.any_marks:
            self._eval_skip(item)
            xfailed = self._eval_xfail(item)
            if xfailed is not None and not xfailed.run and not self.config.run_xfail:
                e = _XfailNotRun("[NOTRUN] " + xfailed.reason)
                e._fastest_xfailed = xfailed
                raise e
        try:
            hooks = self._item_hooks(item, "pytest_runtest_setup")
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
        except BaseException as e:  # noqa: B902
            e._fastest_xfailed = xfailed
            raise
        return xfailed

    def _call(self, item):
        if item.kind == "unittest":
            return self._call_unittest(item)
        func = item.function
        if item.instance is not None:
            func = getattr(item.instance, item.originalname)
        args = item.argnames
        fa = item.funcargs
        if "hypothesis" in sys.modules:
            _hypothesis_checks(item, func)
        if item.is_async:
            return self._call_async(item, func, {a: fa[a] for a in args})
        if args:
            result = func(**{a: fa[a] for a in args})
        else:
            result = func()
        if result is not None and not hasattr(result, "__await__"):
            _warn_return_not_none(item, result)
        elif hasattr(result, "__await__"):
            try:
                result.close()
            except Exception:
                pass
            self._async_skip(item)

    def _call_async(self, item, func, kwargs):
        marked = item.get_closest_marker("asyncio") is not None or self.asyncio_mode == "auto"
        plugin = "pytest_asyncio" in sys.modules or _importable("pytest_asyncio")
        if marked and plugin and inspect.iscoroutinefunction(func):
            import asyncio
            loop = asyncio.new_event_loop()
            try:
                asyncio.set_event_loop(loop)
                loop.run_until_complete(func(**kwargs))
            finally:
                asyncio.set_event_loop(None)
                loop.close()
            return
        self._async_skip(item)

    def _async_skip(self, item):
        msg = ("async def functions are not natively supported and have been skipped.\n"
               "You need to install a suitable plugin for your async framework, for example:\n"
               "  - anyio\n  - pytest-asyncio\n  - pytest-tornasync\n  - pytest-trio\n"
               "  - pytest-twisted")
        wt = sys.modules.get("_pytest.warning_types")
        cat = wt.PytestUnhandledCoroutineWarning if wt is not None else UserWarning
        warnings.warn(cat(msg))
        raise compat.make_skip("async def function and no async plugin installed (see warnings)")

    def _call_unittest(self, item):
        result = _UnitResult()
        tc = item.instance
        tc.run(result)
        if result.excinfo:
            raise result.excinfo[0]

    def _teardown(self, item, nxt):
        """Run item finalizers and scope transitions; first exception or None."""
        first = None
        fins = self.item_finalizers
        while fins:
            fin = fins.pop()
            try:
                fin()
            except BaseException as e:  # noqa: B902
                if first is None:
                    first = e
        hooks = self._item_hooks(item, "pytest_runtest_teardown")
        if hooks:
            from .hooks import call_hook
            for h in hooks:
                try:
                    call_hook(h, item=item, nextitem=nxt)
                except BaseException as e:  # noqa: B902
                    if first is None:
                        first = e
        if nxt is None or nxt.class_key() is not item.class_key():
            first = self._teardown_list(self.scope_fins[3], first)
        if nxt is None or nxt.module_node is not item.module_node:
            first = self._teardown_list(self.scope_fins[2], first)
        return first

    @staticmethod
    def _teardown_list(fins, first):
        while fins:
            fin = fins.pop()
            try:
                fin()
            except BaseException as e:  # noqa: B902
                if first is None:
                    first = e
        return first

    # ------------------------------------------------------------ marks

    def _eval_skip(self, item):
        for mark in item.iter_markers("skipif"):
            if "condition" in mark.kwargs:
                conditions = (mark.kwargs["condition"],)
            else:
                conditions = mark.args
            if not conditions:
                raise _MarkSkip(mark.kwargs.get("reason", ""))
            for cond in conditions:
                result, reason = self._eval_condition(item, mark, cond)
                if result:
                    raise _MarkSkip(reason)
        for mark in item.iter_markers("skip"):
            if mark.args:
                reason = mark.args[0]
            else:
                reason = mark.kwargs.get("reason", "unconditional skip")
            raise _MarkSkip(reason)

    def _eval_xfail(self, item):
        for mark in item.iter_markers("xfail"):
            kw = mark.kwargs
            run = kw.get("run", True)
            strict = kw.get("strict", self.xfail_strict)
            raises = kw.get("raises", None)
            if "condition" in kw:
                conditions = (kw["condition"],)
            else:
                conditions = mark.args
            if not conditions:
                return XfailInfo(kw.get("reason", ""), run, strict, raises)
            for cond in conditions:
                result, reason = self._eval_condition(item, mark, cond)
                if result:
                    return XfailInfo(reason, run, strict, raises)
        return None

    def _eval_condition(self, item, mark, condition):
        if isinstance(condition, str):
            g = {"os": os, "sys": sys, "platform": platform, "config": self.config}
            for _, mod in self.conftests:
                ns = getattr(mod, "pytest_markeval_namespace", None)
                if ns is not None:
                    try:
                        g.update(ns(config=self.config))
                    except Exception:
                        pass
            func = getattr(item.function, "__func__", item.function)
            g.update(getattr(func, "__globals__", {}))
            try:
                result = eval(compile(condition, "<%s condition>" % mark.name, "eval"), g)
            except SyntaxError as e:
                raise _MarkFail("Error evaluating %r condition\n    %s\n    %s\nSyntaxError: "
                                "invalid syntax" % (mark.name, condition,
                                                    " " * ((e.offset or 1) - 1) + "^"))
            except Exception as e:
                raise _MarkFail("Error evaluating %r condition\n    %s\n%s" % (
                    mark.name, condition, "".join(
                        __import__("traceback").format_exception_only(type(e), e))))
        else:
            try:
                result = bool(condition)
            except Exception as e:
                raise _MarkFail("Error evaluating %r condition as a boolean\n%s" % (
                    mark.name, "".join(
                        __import__("traceback").format_exception_only(type(e), e))))
        reason = mark.kwargs.get("reason", None)
        if reason is None:
            if isinstance(condition, str):
                reason = "condition: " + condition
            else:
                raise _MarkFail("Error evaluating %r: you need to specify reason=STRING when "
                                "using booleans as conditions." % mark.name)
        return result, reason

    # ------------------------------------------------------------ outcomes

    def _outcome(self, item, xfailed, setup_exc, call_exc, td_exc):
        skipped_t, xfailed_t, failed_t, exit_t = compat.outcome_types()
        skip_types = (skipped_t, _MarkSkip, __import__("unittest").SkipTest)
        root = self.config.rootdir_str
        run_xfail = self.config.run_xfail
        res = {}
        if setup_exc is not None:
            exc, when = setup_exc, "setup"
        elif call_exc is not None:
            exc, when = call_exc, "call"
        else:
            exc, when = None, "call"
        if exc is None:
            if xfailed is not None and not run_xfail:
                if xfailed.strict:
                    res.update(outcome="failed", when="call",
                               longrepr="[XPASS(strict)] " + xfailed.reason,
                               message="[XPASS(strict)] " + xfailed.reason)
                else:
                    res.update(outcome="xpassed", when="call", longrepr="",
                               message=xfailed.reason)
            else:
                res.update(outcome="passed", when="call", longrepr="", message="")
        elif isinstance(exc, skip_types):
            reason = _skip_reason(exc)
            if isinstance(exc, _MarkSkip) or getattr(exc, "_use_item_location", False) or \
                    when == "setup" and not isinstance(exc, _MarkSkip) and self._in_fixture(exc):
                where = "%s:%d" % (item.module_node.relpath, item.line)
            else:
                fn, line = report.crash_location(exc)
                where = "%s:%d" % (_rel(fn, root), line) if fn else item.module_node.relpath
            res.update(outcome="skipped", when=when, longrepr="%s: %s" % (where, reason),
                       message=reason)
        elif isinstance(exc, (xfailed_t, _XfailNotRun)) and not (run_xfail and not isinstance(
                exc, _XfailNotRun)):
            reason = getattr(exc, "msg", None) or (exc.args[0] if exc.args else "")
            res.update(outcome="xfailed", when=when, longrepr=reason, message=reason)
        elif xfailed is not None and not run_xfail:
            if xfailed.raises is not None and not isinstance(exc, xfailed.raises):
                text = self._failure_text(exc)
                res.update(outcome="failed" if when == "call" else "error", when=when,
                           longrepr=text, message=_first_line(exc))
            else:
                res.update(outcome="xfailed", when=when, longrepr=self._failure_text(exc),
                           message=xfailed.reason)
        else:
            text = self._failure_text(exc)
            res.update(outcome="failed" if when == "call" else "error", when=when,
                       longrepr=text, message=_first_line(exc))
        if td_exc is not None and not isinstance(td_exc, skip_types):
            if not (xfailed is not None and not run_xfail and (
                    xfailed.raises is None or isinstance(td_exc, xfailed.raises))):
                res["teardown_error"] = self._failure_text(td_exc)
        return res

    def _in_fixture(self, exc):
        return True

    def _failure_text(self, exc):
        _, _, failed_t, _ = compat.outcome_types()
        if isinstance(exc, (_MarkFail, _PlainFailure)):
            return str(exc)
        if isinstance(exc, fx.FixtureLookupError):
            return exc.msg or str(exc)
        if isinstance(exc, failed_t) and not getattr(exc, "pytrace", True):
            return str(getattr(exc, "msg", exc))
        try:
            return report.format_failure(exc, self.config.rootdir_str)
        except Exception as e:  # never lose the result over formatting
            return "%s: %s\n(fastest could not format the traceback: %r)" % (
                type(exc).__name__, exc, e)


class _UnitResult:
    """unittest result that keeps the first problem (no addSubTest on purpose:
    a failing subTest then fails the test, as under pytest without pytest-subtests)."""

    def __init__(self):
        self.excinfo = []

    def startTest(self, test):
        pass

    def stopTest(self, test):
        pass

    def addSuccess(self, test):
        pass

    def addError(self, test, err):
        self.excinfo.append(_exc_from(err))

    addFailure = addError

    def addSkip(self, test, reason):
        self.excinfo.append(compat.make_skip(reason))

    def addExpectedFailure(self, test, err):
        e = _exc_from(err)
        x = _XfailNotRun(str(e))
        x.msg = ""
        self.excinfo.append(_unittest_xfail(e))

    def addUnexpectedSuccess(self, test, reason=""):
        msg = "Unexpected success"
        if reason:
            msg += ": " + str(getattr(reason, "reason", reason))
        self.excinfo.append(_PlainFailure(msg))

    def addDuration(self, test, elapsed):
        pass


class _PlainFailure(Exception):
    pass


def _unittest_xfail(e):
    xt = compat.outcome_types()[1]
    if xt is compat._Never:
        x = _XfailNotRun("")
    else:
        x = xt("")
    x.__cause__ = None
    return x


def _exc_from(err):
    if isinstance(err, BaseException):
        return err
    et, ev, tb = err
    if ev is None:
        ev = et()
    if tb is not None and ev.__traceback__ is not tb:
        ev = ev.with_traceback(tb)
    return ev


class _KeywordMatcher:
    __slots__ = ("names",)

    def __init__(self, item):
        names = set()
        node = item
        while node is not None:
            names.add(node.name)
            if node is item.module_node:
                names.update(getattr(node, "pkg_names", ()))
            node = node.parent
        names.update(item.keywords)
        for n in item.iter_markers():
            names.add(n.name)
        self.names = [n.lower() for n in names if isinstance(n, str)]

    def __call__(self, sub):
        sub = sub.lower()
        return any(sub in n for n in self.names)


class _MarkMatcher:
    __slots__ = ("names",)

    def __init__(self, item):
        self.names = {m.name for m in item.iter_markers()}

    def __call__(self, name):
        return name in self.names


def _selected(nodeid, prefix):
    if nodeid == prefix:
        return True
    if nodeid.startswith(prefix):
        c = nodeid[len(prefix)]
        return c == "[" or nodeid.startswith("::", len(prefix))
    return False


def _skip_reason(exc):
    msg = getattr(exc, "msg", None)
    if msg is None:
        msg = exc.args[0] if exc.args else ""
    return str(msg)


def _first_line(exc):
    if isinstance(exc, (_MarkFail, _PlainFailure)):
        return str(exc).split("\n", 1)[0]
    try:
        text = report.exconly(exc)
    except Exception:
        text = type(exc).__name__
    return text.split("\n", 1)[0]


def _rel(fn, root):
    try:
        rel = os.path.relpath(fn, root)
    except ValueError:
        return fn
    return fn if rel.startswith("..") else rel


def _ini_lines(v):
    if not v:
        return []
    if isinstance(v, str):
        return [x.strip() for x in v.splitlines() if x.strip()]
    return list(v)


def _log_level(v):
    if not v:
        return 0
    try:
        return int(v)
    except ValueError:
        return logging.getLevelName(str(v).upper()) if isinstance(
            logging.getLevelName(str(v).upper()), int) else 0


def _importable(name):
    import importlib.util
    try:
        return importlib.util.find_spec(name) is not None
    except Exception:
        return False


def is_async(func):
    """True for coroutine / async generator functions, also behind wrappers."""
    f = getattr(func, "__func__", func)
    code = getattr(f, "__code__", None)
    if code is not None and code.co_flags & 0x280:  # CO_COROUTINE | CO_ASYNC_GENERATOR
        return True
    if hasattr(f, "__wrapped__"):
        return _is_async_wrapped(f)
    return False


def _is_async_wrapped(func):
    inner = getattr(func, "__wrapped__", None)
    n = 0
    while inner is not None and n < 10:
        if inspect.iscoroutinefunction(inner):
            return not inspect.isfunction(func) or not _hypothesis(func)
        inner = getattr(inner, "__wrapped__", None)
        n += 1
    return False


def _hypothesis_checks(item, func):
    """What Hypothesis's pytest plugin checks before the call."""
    f = getattr(func, "__func__", func)
    if not getattr(f, "is_hypothesis_test", False):
        for name, attr in (("example", "hypothesis_explicit_examples"),
                           ("seed", "_hypothesis_internal_use_seed"),
                           ("settings", "_hypothesis_internal_settings_applied"),
                           ("reproduce_example", "_hypothesis_internal_use_reproduce_failure")):
            if hasattr(f, attr):
                from hypothesis.errors import InvalidArgument
                raise InvalidArgument(
                    "Using `@%s` on a test without `@given` is completely pointless." % name)
        return
    settings = getattr(f, "_hypothesis_internal_use_settings", None)
    if settings is None:
        return
    from hypothesis import HealthCheck
    from hypothesis.internal.healthcheck import fail_health_check
    if HealthCheck.function_scoped_fixture in settings.suppress_health_check:
        return
    try:
        params = set(inspect.signature(item.function).parameters)
    except (TypeError, ValueError):
        return
    for name in item.fixturenames:
        if name not in params:
            continue
        defs = item.chain.defs(name)
        if defs and defs[-1].scope_idx == FUNCTION:
            fail_health_check(settings, (
                "%s uses a function-scoped fixture %r.\n\nFunction-scoped fixtures are not "
                "reset between examples generated by `@given(...)`, which is often surprising "
                "and can cause subtle test bugs.\n\nIf this is fine, suppress this health "
                "check with `@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])`."
                % (item.nodeid, name)), HealthCheck.function_scoped_fixture)


def _hypothesis(func):
    return getattr(func, "is_hypothesis_test", False)


def _warn_return_not_none(item, result):
    wt = sys.modules.get("_pytest.warning_types")
    cat = getattr(wt, "PytestReturnNotNoneWarning", None) if wt is not None else None
    if cat is None:
        return
    warnings.warn(cat("Expected None, but %s returned %r, which will be an error in a future "
                      "version of pytest.  Did you mean to use `assert` instead of `return`?"
                      % (item.nodeid, result)))


def parse_warning_filter(arg, escape):
    import re
    parts = arg.split(":")
    if len(parts) > 5:
        raise ValueError("too many fields (max 5) in %r" % arg)
    while len(parts) < 5:
        parts.append("")
    action, message, category, module, lineno = [p.strip() for p in parts]
    action = warnings._getaction(action)
    cat = _resolve_category(category)
    if message and escape:
        message = re.escape(message)
    if module and escape:
        module = re.escape(module) + r"\Z"
    lineno_i = int(lineno) if lineno else 0
    return action, message, cat, module, lineno_i


def _resolve_category(category):
    if not category:
        return Warning
    if "." not in category:
        import builtins
        return getattr(builtins, category)
    mod, _, klass = category.rpartition(".")
    m = __import__(mod, None, None, [klass])
    return getattr(m, klass)


def _param_keys(item, scope):
    cs = item.callspec
    if cs is None:
        return ()
    keys = []
    for name, idx in sorted(cs.indices.items()):
        if cs.scopes.get(name, 4) != scope:
            continue
        if scope == 0:
            keys.append((name, idx))
        elif scope == 1:
            keys.append((name, idx, os.path.dirname(str(item.path))))
        elif scope == 2:
            keys.append((name, idx, str(item.path)))
        else:
            keys.append((name, idx, str(item.path), item.cls))
    return keys


def reorder_items(items):
    """pytest's reorder_items: group items that share a higher-scoped param value."""
    if not any(i.callspec is not None for i in items):
        return items
    argkeys = {}
    by_key = {}
    for scope in (0, 1, 2, 3):
        d = {}
        bk = {}
        for it in items:
            keys = dict.fromkeys(_param_keys(it, scope))
            if keys:
                d[it] = keys
                for k in keys:
                    bk.setdefault(k, deque()).append(it)
        argkeys[scope] = d
        by_key[scope] = bk
    return list(_reorder_at(dict.fromkeys(items), argkeys, by_key, 0))


def _fix_cache_order(item, argkeys, by_key):
    for scope in (0, 1, 2, 3):
        for key in argkeys[scope].get(item, ()):
            by_key[scope][key].appendleft(item)


def _reorder_at(items, argkeys, by_key, scope):
    if scope >= 4 or len(items) < 3:
        return items
    ignore = set()
    todo = deque(items)
    done = {}
    scoped_by_key = by_key[scope]
    scoped_keys = argkeys[scope]
    while todo:
        no_key = {}
        slicing = None
        while todo:
            item = todo.popleft()
            if item in done or item in no_key:
                continue
            keys = dict.fromkeys(k for k in scoped_keys.get(item, ()) if k not in ignore)
            if not keys:
                no_key[item] = None
            else:
                slicing, _ = keys.popitem()
                matching = [i for i in scoped_by_key[slicing] if i in items]
                for i in reversed(matching):
                    _fix_cache_order(i, argkeys, by_key)
                    todo.appendleft(i)
                break
        if no_key:
            no_key = _reorder_at(no_key, argkeys, by_key, scope + 1)
            for item in no_key:
                done[item] = None
        ignore.add(slicing)
    return done
