"""The pytest engine: the user's own pytest inside a persistent worker.

One Config and one Session per worker (built once from ``config.args``), then per
batch: collect only the batch's module, run each item through pytest's own
``pytest_runtest_protocol`` with the right ``nextitem``, turn pytest's reports into
protocol frames. As xdist's worker does, the batch's last item is held back until the
next batch (its first item is the ``nextitem``) or the shutdown (``None``) is known, so
module, class and package fixtures end where pytest ends them (docs/protocol.md,
"The pytest engine").
"""
import gc
import os
import sys
import traceback
import types
from pathlib import Path
from time import perf_counter

from .. import proto, report
from . import args as args_mod
from . import live_log
from . import pytest_compat as compat
from . import results
from . import summary
from .reruns import Reruns

# Outcomes whose result frame may wait in the spill for the next write.
_QUIET_OUTCOMES = frozenset(("passed", "skipped", "xfailed", "xpassed"))


class Fatal(Exception):
    """A session-level error: sent as ``fatal``, then the worker exits."""

    def __init__(self, exit_code, message, when=None):
        Exception.__init__(self, message)
        self.exit_code = exit_code
        self.message = message
        self.when = when  # "collect": during a batch's collection (docs/protocol.md)


def _internal_error(e, when=None):
    """pytest's ``INTERNALERROR>`` lines for an exception out of the session's work, exit 3."""
    text = "".join(traceback.format_exception(type(e), e, e.__traceback__)).rstrip("\n")
    return Fatal(3, "\n".join("INTERNALERROR> " + line for line in text.split("\n")), when)


def _interrupted(e, when=None):
    """``pytest.exit()`` past start-up: pytest's terminal shows it as an interrupt,
    ``!!! _pytest.outcomes.Exit: msg !!!`` (not the ``Exit: msg`` of a start-up exit)."""
    code = e.returncode if e.returncode is not None else 2
    return Fatal(code, report.sep("!", "_pytest.outcomes.Exit: %s" % (e.msg,)) + "\n", when)


class _Reporter:
    """The engine's pytest plugin: pytest's reports and warnings -> the engine."""

    def __init__(self, engine):
        self.engine = engine

    def pytest_runtest_logstart(self, nodeid, location):
        self.engine.on_logstart(nodeid)

    def pytest_runtest_logreport(self, report):
        self.engine.on_report(report)

    def pytest_runtest_logfinish(self, nodeid, location):
        self.engine.on_logfinish(nodeid)

    def pytest_collectreport(self, report):
        if not report.passed:
            self.engine.collect_reports.append(report)

    def pytest_deselected(self, items):
        self.engine.deselected.extend(items)

    def pytest_warning_recorded(self, warning_message, when, nodeid, location):
        self.engine.on_warning(warning_message, nodeid)

    def pytest_plugin_registered(self, plugin, manager):
        if self.engine.hook_proxies is not None:
            self.engine.hook_proxies.clear()


def _selected(nodeid, prefixes):
    if not prefixes:
        return True
    for p in prefixes:
        if nodeid == p or (nodeid.startswith(p) and nodeid[len(p)] in ":["):
            return True
    return False


class Engine:
    def __init__(self, channel, msg):
        self.ch = channel
        self.msg = msg
        self.rootdir = os.path.abspath(msg.get("rootdir") or os.getcwd())
        self.worker_id = str(msg.get("worker_id") or "master")
        self.hold_last = bool(msg.get("hold_last"))
        self.config = None
        self.session = None
        self.pytest = None
        # Per running test.
        self.cur_batch = 0
        self.cur_nodeid = None
        self.cur_reports = []
        self.captured_reports = set()  # ids of reports logged under fd capture
        self.result_sent = False
        self.xml_attrs = {}
        # Per collection.
        self.collect_reports = []
        self.deselected = []
        # Across batches.
        self.held = None  # (batch, item, work seconds so far, import_s)
        self.dangling = False  # the last item ran with a nextitem that never ran
        self.node_cache = {}
        self.argument_files = None  # _is_argument's set of absolute paths
        self.last_module = None  # (module, items, deselected ids, inside-module reports)
        self.module_path = None
        self.cur_item = None
        self.reruns = Reruns(msg)
        try:
            self.start_cwd = os.getcwd()
        except OSError:
            self.start_cwd = self.rootdir
        self.shown = None  # the --setup-show buffer
        self.live = None  # live_log.LiveLog
        self.summary = None  # summary.Summary
        self.hook_proxies = None  # pytest_compat.HookProxyCache
        self.tests_run = 0  # results sent: the controller shows an idle worker's summary last
        self.conftest_errors = []  # (directory, report-like) of session conftests that failed

    # ------------------------------------------------------------ start-up

    def start(self):
        """Import pytest, build the Config and Session, send ``configured``."""
        self._set_worker_env()
        inv = self.msg.get("invocation_dir")
        if inv and os.path.isdir(inv):
            os.chdir(inv)
            self.start_cwd = inv
        try:
            self.pytest = compat.import_pytest()
        except compat.Unsupported as e:
            raise Fatal(4, str(e))
        self.config = self._prepare_config()
        _no_xdist_distribution(self.config)
        compat.apply_cmdline_main_flags(self.config)
        sink = open(os.devnull, "w", encoding="utf-8")
        self.sink = sink
        self.session = self._guarded(lambda: self.pytest.Session.from_config(self.config))
        self.hook_proxies = compat.HookProxyCache(self.session)
        old = sys.stdout
        # The terminal reporter is created in pytest_configure and writes to the
        # sys.stdout of that moment: give it a sink, so it stays registered for the
        # plugins that need it but never writes over the controller's terminal.
        sys.stdout = sink
        try:
            self._guarded(lambda: compat.do_configure(self.config))
        finally:
            if sys.stdout is sink:
                sys.stdout = old
        compat.drop_controller_cache_plugins(self.config)
        self.live = live_log.LiveLog(self.config)
        self._guarded(lambda: self.config.hook.pytest_sessionstart(session=self.session))
        self.live.open()
        self._register_fixtures()
        header = self._header_lines()
        real_tr = self.config.pluginmanager.get_plugin("terminalreporter")
        self.shown = _slim_terminal_reporter(self.config)
        self.summary = summary.Summary(self.config, real_tr)
        # What start-up built lives as long as the worker: out of the collector's way.
        gc.freeze()
        self.ch.send({"t": "configured", "header": header})
        if getattr(self.config.option, "markers", False):
            self.ch.send({"t": "info", "text": compat.markers_text(self.config)})
        if getattr(self.config.option, "showfixtures", False) and self.worker_id in ("gw0", "master"):
            # pytest's own listing after its own whole collection, once: the controller
            # sends no batch with --fixtures and prints the first listing.
            self.ch.send({"t": "info", "text": self._guarded(
                lambda: compat.fixtures_text(self.config, self.session))})

    def _set_worker_env(self):
        if self.worker_id != "master":
            os.environ["PYTEST_XDIST_WORKER"] = self.worker_id
            os.environ["PYTEST_XDIST_WORKER_COUNT"] = str(int(self.msg.get("worker_count") or 1))

    def _basetemp(self):
        base = self.msg.get("basetemp") or ""
        if not base:
            return ""
        name = self.worker_id if self.worker_id != "master" else str(os.getpid())
        try:
            os.makedirs(base, exist_ok=True)
        except OSError:
            pass
        return os.path.join(base, "popen-" + name)

    def _prepare_config(self):
        argv = args_mod.build(self.msg, self._basetemp())
        saved = os.environ.pop("PYTEST_ADDOPTS", None)
        try:
            return self._guarded(lambda: compat.prepare_config(argv, [_Reporter(self)]),
                                 parsing=True)
        finally:
            if saved is not None:
                os.environ["PYTEST_ADDOPTS"] = saved

    def _guarded(self, fn, parsing=False):
        """Run a start-up step; pytest's errors become ``Fatal`` with pytest's own
        message and exit code, as ``pytest.main`` gives them: usage errors and a conftest
        that fails to import 4, ``pytest.exit`` its returncode; while the Config is built
        (``parsing``) anything else escapes ``pytest.main`` (a ``-p``, entry-point or
        ``pytest_plugins`` plugin that fails to import): Python's traceback and exit 1;
        later, pytest's ``INTERNALERROR>`` and 3."""
        pytest = self.pytest
        try:
            return fn()
        except pytest.UsageError as e:
            raise Fatal(4, "\n".join("ERROR: %s\n" % (a,) for a in e.args).rstrip("\n"))
        except pytest.exit.Exception as e:
            code = e.returncode if e.returncode is not None else 2
            raise Fatal(code, "Exit: %s" % (e.msg,))
        except KeyboardInterrupt:
            raise Fatal(2, "KeyboardInterrupt")
        except Exception as e:
            if parsing and isinstance(e, compat.conftest_import_failure_type()):
                raise Fatal(4, compat.conftest_import_failure_text(e))
            if parsing:
                raise Fatal(1, "".join(traceback.format_exception(type(e), e, e.__traceback__)).rstrip("\n"))
            raise Fatal(3, "INTERNALERROR> " + "INTERNALERROR> ".join(
                traceback.format_exception(type(e), e, e.__traceback__)).rstrip("\n"))

    def _register_fixtures(self):
        from . import fixtures_plugin
        pm = self.config.pluginmanager
        # A conftest's own worker_id wins; xdist's (which says "master" outside xdist)
        # does not.
        own = any(_conftest_defines(p, "worker_id") for p in pm.get_plugins())
        pm.register(fixtures_plugin.make(self, not own), "fastest-pytest-fixtures")

    def _header_lines(self):
        config = self.config
        tr = config.pluginmanager.get_plugin("terminalreporter")
        own = None
        if tr is not None:
            try:
                own = tr.pytest_report_header(config)
            except Exception:
                own = None
        try:
            parts = config.hook.pytest_report_header(
                config=config, start_path=config.invocation_params.dir)
        except Exception:
            return []
        lines = []
        for part in reversed(parts):
            if own is not None and part == own:
                # pytest's own rootdir/configfile lines are the controller's to print.
                part = [line for line in own if str(line).startswith("plugins: ")]
            if isinstance(part, str):
                part = [part]
            lines.extend(str(line) for line in part)
        return lines

    # ------------------------------------------------------------ reports

    def on_logstart(self, nodeid):
        self.cur_nodeid = nodeid
        self.cur_reports = []
        self.captured_reports = set()
        self.result_sent = False
        # Held with the previous test's result, as the native engine holds them (see
        # proto.Channel.flush_soon): one write for many quick tests, a long test's start
        # within ~40 ms, and the spill keeps what a dying worker held.
        frame = proto.start_frame(self.cur_batch, nodeid)
        if frame is None:
            self.ch.queue({"t": "start", "batch": self.cur_batch, "nodeid": nodeid})
        else:
            self.ch.queue_frame(frame)
        self.ch.flush_soon()

    def on_report(self, report):
        if report.when == "setup":
            # Each attempt starts with setup (a rerun plugin runs the phases again).
            self.cur_reports = []
            self.captured_reports = set()
        self.cur_reports.append(report)
        if compat.fd_capturing_now(self.config):
            self._captured_status(report)

    def _captured_status(self, report):
        """A report logged while the test's fd capture is on (a unittest ``subTest``
        failure pytest-subtests logs from ``addSubTest``): pytest's terminal writer
        writes its letter (``-v``: its word) to fd 1, i.e. into the test's captured
        stdout, not the progress line. The same text goes there; the controller shows
        no progress for the report (``captured``)."""
        status = results.teststatus(self.config, report)
        if status is None:
            return
        text = status[1] if (self.config.option.verbose or 0) <= 0 else status[2]
        self.captured_reports.add(id(report))
        if text:
            try:
                sys.stdout.flush()
                os.write(1, text.encode("utf-8", "replace"))
            except OSError:
                pass

    def on_logfinish(self, nodeid):
        self._queue_shown()
        self._queue_result(nodeid)

    def _queue_shown(self):
        """``--setup-show`` lines written so far (pytest writes each as a newline and
        the text): one ``info`` frame, each line ending with a newline."""
        buf = self.shown
        if buf is None:
            return
        text = buf.getvalue()
        if not text:
            return
        buf.seek(0)
        buf.truncate()
        if text.startswith("\n"):
            text = text[1:]
        self.ch.queue({"t": "info", "text": text + "\n"})

    def _queue_result(self, nodeid):
        if self.result_sent or not self.cur_reports:
            return
        self.result_sent = True
        res = self._build_result(nodeid)
        res["batch"] = self.cur_batch
        if res["t"] == "result":
            self.reruns.on_result(self.config, self.session, self.cur_item, self.cur_reports, res)
        live = self.live.take(self.cur_batch)
        if live:
            res["live_log"] = live
        attrs = self.xml_attrs.pop(nodeid, None)
        if attrs:
            res["xml_attributes"] = attrs
        self.cur_reports = []
        if res["t"] == "result":
            self.tests_run += 1
        self.ch.queue(res)
        if res.get("outcome") not in _QUIET_OUTCOMES or any(
                sub["outcome"] == "failed" for sub in res.get("subreports", ())):
            self.ch.flush()  # -x and --maxfail stop the other workers as soon as before

    def _build_result(self, nodeid):
        """The attempt's frame: its ``result``, or a ``rerun`` when pytest-rerunfailures
        made the attempt's failed report a ``rerun`` (its own reruns, run inside one
        ``pytest_runtest_protocol``, each attempt between logstart and logfinish)."""
        reports = self.cur_reports
        item = self.cur_item
        count = getattr(item, "execution_count", 0) if item is not None and item.nodeid == nodeid else 0
        reran = [r for r in reports if getattr(r, "outcome", None) == "rerun"]
        for r in reran:
            r.outcome = "failed"  # classified as the failure it was (setup: error)
        try:
            res = results.build(self.config, self.rootdir, nodeid, reports, self.captured_reports)
        finally:
            for r in reran:
                r.outcome = "rerun"
        res["t"] = "rerun" if reran else "result"
        if isinstance(count, int) and (reran or count > 1):
            res["attempt"] = max(count, 1)
        return res

    def _teardown_error(self, e, batch=0):
        """An exception of the engine's session-level work (a scope's teardown, a
        session hook): a ``TeardownError`` warning, as the native engine reports it."""
        self.ch.queue({"t": "warning", "batch": batch, "nodeid": "", "category": "TeardownError",
                       "message": "".join(traceback.format_exception(type(e), e, e.__traceback__)),
                       "filename": "", "lineno": 0})

    def on_warning(self, wm, nodeid):
        self.ch.queue({"t": "warning", "batch": self.cur_batch, "nodeid": nodeid or "",
                       "category": getattr(wm.category, "__name__", str(wm.category)),
                       "message": str(wm.message), "filename": str(wm.filename or ""),
                       "lineno": int(wm.lineno or 0)})

    def add_xml_attribute(self, nodeid, name, value):
        self.xml_attrs.setdefault(nodeid, []).append([str(name), str(value)])

    def add_suite_property(self, name, value):
        self.ch.queue({"t": "suite_property", "name": str(name), "value": str(value)})

    # ------------------------------------------------------------ batches

    def run_batch(self, msg):
        batch = int(msg.get("batch", 0))
        module = str(msg.get("module", ""))
        select = list(msg.get("select") or [])
        t0 = perf_counter()
        self._restore_cwd()
        self.cur_batch = batch
        self.module_path = Path(self.rootdir) / module
        if msg.get("conftests"):
            self._load_session_conftests(msg["conftests"])
        items = self._collect(batch, module, select, bool(msg.get("collect_only")),
                              list(msg.get("first") or []))
        import_s = perf_counter() - t0
        if items and msg.get("collect_only") and getattr(self.config.option, "show_fixtures_per_test", False):
            self.ch.send({"t": "info", "text": compat.fixtures_per_test_text(self.config, items)})
        if not items or msg.get("collect_only"):
            self.ch.send({"t": "batch_done", "batch": batch, "duration_s": perf_counter() - t0,
                          "import_s": import_s})
            return
        if self.held is not None:
            self._release_held(items[0])
        elif self.dangling:
            self._teardown_to(batch, items[0])
        if self._should_stop():
            self.ch.send({"t": "batch_done", "batch": batch, "duration_s": perf_counter() - t0,
                          "import_s": import_s})
            return
        self._run_items(batch, self.reruns.batch(items, msg), t0, import_s)

    def _run_items(self, batch, items, t0, import_s):
        i = -1
        while i + 1 < len(items):  # --reruns appends a failed test to the batch
            i += 1
            n = len(items)
            item = items[i]
            if i + 1 < n:
                nxt = items[i + 1]
            elif self.hold_last:
                self.held = (batch, item, perf_counter() - t0, import_s)
                self.ch.send({"t": "held", "batch": batch, "nodeid": item.nodeid})
                return
            else:
                # No holding: keep the package (and session) alive; what the next
                # batch does not share is torn down before its first test.
                nxt = self._above_module(item)
            if self.run_item(batch, item, nxt):
                items.append(item)
            if i + 1 == len(items) or self._should_stop():
                self.dangling = True
                break
        self.ch.send({"t": "batch_done", "batch": batch, "duration_s": perf_counter() - t0,
                      "import_s": import_s})

    def _above_module(self, item):
        chain = item.listchain()
        for i in range(1, len(chain)):
            if Path(str(chain[i].path)) == self.module_path:
                return chain[i - 1]
        return self.session

    def _release_held(self, nextitem):
        batch, item, work_s, import_s = self.held
        self.held = None
        t = perf_counter()
        while self.run_item(batch, item, nextitem):
            pass  # --reruns: the held test is its batch's last, so it runs again at once
        self.dangling = self._should_stop()
        self.ch.send({"t": "batch_done", "batch": batch,
                      "duration_s": work_s + perf_counter() - t, "import_s": import_s})

    def _should_stop(self):
        s = self.session
        return bool(s.shouldfail or s.shouldstop)

    def run_item(self, batch, item, nextitem):
        """Run one test; True when --reruns runs it again (its attempt was a ``rerun``)."""
        self.cur_batch = batch
        self.cur_item = item
        self.reruns.before_attempt(self.config, item)
        self.cur_reports = []
        self.result_sent = True  # until logstart
        try:
            self.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
        except self.pytest.exit.Exception as e:
            fatal = _interrupted(e)
            self._finish_session(fatal.exit_code)
            raise fatal
        except KeyboardInterrupt:
            self._finish_session(2)
            raise Fatal(2, "KeyboardInterrupt")
        except Exception as e:
            self.ch.flush()
            raise _internal_error(e)
        # A plugin running the phases itself may skip logfinish.
        self._queue_shown()
        self._queue_result(item.nodeid)
        self.dangling = False
        return self.reruns.take_again(item)

    def _teardown_to(self, batch, nextitem):
        self.dangling = False
        try:
            compat.teardown_to(self.session, nextitem)
        except Exception as e:
            self._teardown_error(e, batch)

    def _restore_cwd(self):
        try:
            if os.getcwd() == self.start_cwd:
                return
        except OSError:
            pass
        try:
            os.chdir(self.start_cwd)
        except OSError:
            pass

    # ------------------------------------------------------------ collection

    def _collect(self, batch, module, select, collect_only, first=()):
        """Items of this batch in run order (``collected`` sent), or None."""
        last = self.last_module
        if last is not None and last[0] == module:
            _, all_items, desel_ids, inside = last
            import_s = 0.0
            t0 = perf_counter()
        else:
            t0 = perf_counter()
            got = self._collect_module(batch, module)
            if got is None:
                return None
            all_items, desel_ids, inside = got
            self.last_module = (module, all_items, desel_ids, inside)
        import_s = perf_counter() - t0
        items = [it for it in all_items if _selected(it.nodeid, select)]
        if first:
            # --ff / --nf: those ids first, both groups in pytest's order (as its cache
            # plugin reorders after every other modifyitems hook).
            front = [it for it in items if any(_selected(it.nodeid, [p]) for p in first)]
            items = front + [it for it in items if it not in front]
        deselected = sum(1 for d in desel_ids if _selected(d, select))
        module_id = module.replace(os.sep, "/")
        skipped = [r for r in inside if r.nodeid == module_id]
        # A module that skipped itself is reported unless this is --collect-only (which
        # lists nothing for it); a batch only collected after an interrupting collection
        # error reports it, as pytest counts it in that run's summary.
        if skipped and not (collect_only and getattr(self.config.option, "collectonly", False)):
            self._module_skipped(batch, module, skipped[0], import_s)
            return None
        self.ch.send({"t": "collected", "batch": batch, "module": module,
                      "items": [it.nodeid for it in items], "import_s": import_s,
                      "deselected": deselected})
        if not collect_only:
            for rep in inside:
                if rep.nodeid != module_id and _selected(rep.nodeid, select):
                    self._collect_time_result(batch, rep)
        return items

    def _load_session_conftests(self, paths):
        """Every conftest of the collected tree (the controller's list, pytest's load
        order), registered before the first collection: pytest's walk has imported them
        all before ``pytest_collection_modifyitems``, so session-level hooks of one no
        batch of this worker reaches (its ``pytest_configure``, modifyitems,
        ``pytest_sessionfinish``, ``pytest_terminal_summary``) run here too. Under
        capture, as the walk's imports are (pytest shows that output only with a failure).
        One that fails ends pytest's session walk there: no conftest after it is imported,
        and it is the collection error of every batch (pytest 7.2 collects no module at
        all then: ``collected 0 items / 1 error``, whatever else would have failed).
        Under the warnings filters too, as pytest's collection imports them."""
        with _GlobalCapture(self.config), compat.collection_warnings(self.config):
            for p in paths:
                if self.conftest_errors:
                    break
                d = Path(p).parent
                try:
                    compat.load_conftests(self.config, d)
                except Exception as e:
                    self.conftest_errors.append((d, self._session_failure(e)))
        self.summary.refresh()

    def _session_failure(self, e, tb=None):
        """What pytest's collection reports for an error of the walk itself: the
        session collector's ``repr_failure`` (a conftest import failure's own traceback).
        ``tb``: the traceback to show when not the exception's own."""
        excinfo = self.pytest.ExceptionInfo.from_exc_info((type(e), e, tb or e.__traceback__))
        try:
            longrepr = self.session.repr_failure(excinfo)
        except Exception:
            longrepr = "".join(traceback.format_exception(type(e), e, e.__traceback__))
        return _Failure(longrepr)

    def _collect_module(self, batch, module):
        path = Path(self.rootdir) / module
        self.collect_reports = []
        self.deselected = []
        failure = self.conftest_errors[0][1] if self.conftest_errors else None
        # A conftest that fails to import fails pytest's session walk, which imports it.
        collector = module if failure is None else ""
        if failure is None:
            try:
                ignored = self._ignored(path)
            except _HookFailed as e:
                collector, failure = e.collector, self._session_failure(e.error, e.tb)
            except self.pytest.exit.Exception as e:
                fatal = _interrupted(e, "collect")
                self._finish_session(fatal.exit_code)
                raise fatal
            except Exception as e:  # a conftest on the way fails to import
                collector, failure = "", self._session_failure(e)
        if failure is not None:
            self._collect_error(batch, collector, results.longrepr_text(failure), 0,
                                results.crash_message(failure))
            return None
        if ignored:
            return [], [], []
        self.live.collecting()
        walked = not self._is_argument(path)
        try:
            with compat.collection_warnings(self.config):
                if path.name == "__init__.py":
                    items = compat.collect_package_init(self.session, path)
                else:
                    with compat.collected_as_walked(self.session, path, walked):
                        items = list(self.session.perform_collect([str(path)], genitems=True))
            self.live.collected(batch)
        except self.pytest.UsageError as e:
            if walked and any(str(a).startswith("found no collectors") for a in e.args):
                # A file discovery sent because a conftest's or plugin's pytest_collect_file
                # might collect it: no hook did, so pytest's session walk passes it silently.
                return [], [], []
            self._collect_error(batch, module, "\n".join("ERROR: %s" % (a,) for a in e.args), 0)
            return None
        except self.pytest.exit.Exception as e:
            # pytest, collecting the whole session first, would have run no test.
            fatal = _interrupted(e, "collect")
            self._finish_session(fatal.exit_code)
            raise fatal
        except Exception as e:
            # Collectors' errors are reports; what escapes perform_collect is a hook's
            # (modifyitems, itemcollected, collection_finish) or pluggy's check_pending on
            # a pytest_* name no hookspec declares: pytest's INTERNALERROR, before any test.
            self._finish_session(3)
            raise _internal_error(e, "collect")
        module_id = module.replace(os.sep, "/")
        inside = []
        for rep in self.collect_reports:
            rid = rep.nodeid
            if rid.startswith(module_id + "::"):
                inside.append(rep)
            elif rep.failed:
                lr = rep.longrepr
                crash = getattr(lr, "reprcrash", None)
                self._collect_error(batch, module, results.longrepr_text(rep),
                                    int(getattr(crash, "lineno", 0) or 0),
                                    str(getattr(crash, "message", "") or "") if crash else "")
                return None
            elif rep.skipped:
                inside.append(_ModuleSkip(module_id, rep))
        for it in items:
            self._canonical_parents(it, path)
        self.summary.refresh()
        desel = [d.nodeid for d in self.deselected]
        return items, desel, inside

    def _ignored(self, path):
        """What directory collection would not reach: ``--ignore``, ``collect_ignore``
        and other ``pytest_ignore_collect`` answers for the file and its directories
        (a file given as an argument skips those checks, so ask as pytest's walk would)."""
        config = self.config
        base = self._walk_root(path)
        chain = []
        p = path
        while p != base and p.parent != p:
            chain.append(p)
            p = p.parent
        for p in reversed(chain):
            ihook = self.session.gethookproxy(p if p == path else p.parent)
            try:
                if ihook.pytest_ignore_collect(collection_path=p, config=config):
                    return True
            except self.pytest.exit.Exception:
                raise
            except Exception as e:
                # From pluggy's frame down, as the collector's walk would show it.
                tb = e.__traceback__.tb_next or e.__traceback__
                raise _HookFailed(self._asking_collector(p), e, tb) from None
        return False

    def _asking_collector(self, path):
        """Node id of the collector whose walk asks ``pytest_ignore_collect`` about
        ``path`` (pytest 7.2: the session walks every directory, each package's
        ``__init__.py`` and the files outside packages; a Package the other files of
        its directory): ``""`` or ``pkg/__init__.py``. It is the collector that fails."""
        init = path.parent / "__init__.py"
        if path.is_dir() or path.name == "__init__.py" or not init.is_file():
            return ""
        return os.path.relpath(str(init), self.rootdir).replace(os.sep, "/")

    def _is_argument(self, path):
        """Whether ``path`` is itself a command-line argument (or a node id's file)."""
        if self.argument_files is None:
            found = set()
            for a in getattr(self.config, "args", None) or []:
                cand = Path(str(a).split("::", 1)[0])
                if not cand.is_absolute():
                    cand = Path(self.config.invocation_params.dir) / cand
                found.add(os.path.normpath(str(cand)))
            self.argument_files = found
        return str(path) in self.argument_files

    def _walk_root(self, path):
        """The deepest collection root (rootdir or a directory argument) above ``path``;
        ``path`` itself when it was given as an argument (pytest then ignores nothing)."""
        best = None
        roots = [Path(self.rootdir)]
        for a in getattr(self.config, "args", None) or []:
            cand = Path(str(a).split("::", 1)[0])
            if not cand.is_absolute():
                cand = Path(self.config.invocation_params.dir) / cand
            if cand == path:
                return path
            roots.append(cand)
        for r in roots:
            try:
                path.relative_to(r)
            except ValueError:
                continue
            if best is None or len(r.parts) > len(best.parts):
                best = r
        return best if best is not None else path.parent

    def _canonical_parents(self, item, module_path):
        """Batches collect anew; keep one node per package/directory so scopes above
        the module (package fixtures) outlive a batch, as one whole-suite collection."""
        chain = item.listchain()
        for i in range(1, len(chain) - 1):
            node = chain[i]
            if Path(str(node.path)) == module_path:
                break
            key = (type(node), str(node.path))
            cached = self.node_cache.setdefault(key, node)
            if cached is not node:
                chain[i + 1].parent = cached
                chain[i] = cached

    def _collect_error(self, batch, module, text, line, message=""):
        """``message``: the report's crash line, which pytest's short summary shows as
        ``ERROR path - message``; an import error's report (plain text) has none."""
        frame = {"t": "collect_error", "batch": batch, "module": module,
                 "longrepr": text, "line": line}
        if message:
            frame["message"] = message
        self.ch.send(frame)

    def _module_skipped(self, batch, module, skip, import_s):
        nodeid = skip.nodeid
        longrepr, message = results.skip_text(skip.report.longrepr, self.rootdir)
        line = 0
        if isinstance(skip.report.longrepr, tuple) and isinstance(skip.report.longrepr[1], int):
            line = skip.report.longrepr[1]
        self.ch.send({"t": "collected", "batch": batch, "module": module, "items": [nodeid],
                      "import_s": import_s, "deselected": 0})
        self.ch.send({"t": "start", "batch": batch, "nodeid": nodeid})
        self.ch.send({"t": "result", "batch": batch, "nodeid": nodeid, "outcome": "skipped",
                      "when": "collect", "setup_s": 0.0, "call_s": 0.0, "teardown_s": 0.0,
                      "longrepr": longrepr, "message": message, "stdout": "", "stderr": "",
                      "log": "", "line": line})

    def _collect_time_result(self, batch, rep):
        if rep.failed:
            text = results.longrepr_text(rep)
            outcome, message = "error", results.crash_message(rep)
        else:
            outcome = "skipped"
            text, message = results.skip_text(rep.longrepr, self.rootdir)
        self.ch.send({"t": "result", "batch": batch, "nodeid": rep.nodeid, "outcome": outcome,
                      "when": "collect", "setup_s": 0.0, "call_s": 0.0, "teardown_s": 0.0,
                      "longrepr": text, "message": message, "stdout": "", "stderr": "",
                      "log": "", "line": 0})

    # ------------------------------------------------------------ shutdown

    def shutdown(self, stop=False, interrupted=False):
        """Run the held test (``nextitem`` None), then end the session. ``stop`` (the
        run was cut short: ``-x``/``--maxfail`` in another worker, an interrupt): the
        held test has not started and pytest, stopping, would not start it; only what
        is set up is torn down. ``pytest_sessionfinish`` gets the status an xdist
        worker's session ends with: 2 (interrupted) after Ctrl-C, which reaches xdist's
        workers as a KeyboardInterrupt; else 1 when a test failed here, 0 otherwise
        (``-x`` elsewhere does not change a worker's own status)."""
        if stop:
            self.held = None
        if self.held is not None:
            batch, item, work_s, import_s = self.held
            self.held = None
            t = perf_counter()
            while self.run_item(batch, item, None):
                pass
            self.ch.send({"t": "batch_done", "batch": batch,
                          "duration_s": work_s + perf_counter() - t, "import_s": import_s})
        self._finish_session(2 if interrupted else None, gather=not interrupted)

    def _teardown_captured(self, session):
        """Finish what is still set up (session fixtures, when no test was held) under
        pytest's capture, as it would have been inside the last test's teardown; the
        runner's own ``pytest_sessionfinish`` then finds nothing left."""
        with _GlobalCapture(self.config):
            try:
                compat.teardown_to(session, None)
            except Exception as e:
                self._teardown_error(e)

    def _queue_terminal_summary(self, exitstatus):
        if self.summary is None:
            return
        try:
            texts = self.summary.texts(exitstatus)
        except BaseException as e:  # noqa: B902 - as a raising pytest_sessionfinish
            self._teardown_error(e)
            return
        for text in texts:
            self.ch.queue({"t": "terminal_summary", "text": text, "tests": self.tests_run})

    def _gather_stats(self):
        """Several workers: trade this worker's terminal ``stats`` for every worker's
        (``summary_stats`` both ways, docs/protocol.md) before the summary hooks run."""
        summary = self.summary
        if summary is None or not summary.gathering(int(self.msg.get("worker_count") or 1)):
            return
        own = summary.export()
        self.ch.send({"t": "summary_stats", "text": own})
        m = self.ch.recv()
        if m is None:
            _exit(0)  # the controller is gone: no one to print a summary for
        if m.get("t") == "summary_stats" and summary.replace(list(m.get("parts") or []), own):
            try:
                summary.replay_others()
            except BaseException as e:  # noqa: B902 - as a raising pytest_sessionfinish
                self._teardown_error(e)

    def _finish_session(self, exitstatus, gather=False):
        """``pytest_sessionfinish`` (session teardown) and ``pytest_unconfigure``, once.
        ``gather``: at ``shutdown``, where the controller answers ``summary_stats``."""
        if self.session is None:
            return
        session, self.session = self.session, None
        self.cur_batch = 0
        if exitstatus is None:
            exitstatus = 1 if session.testsfailed else 0
        try:
            exitstatus = self.pytest.ExitCode(exitstatus)  # as pytest passes it
        except ValueError:
            pass  # pytest.exit(returncode=N) with a code of the user's own
        self._teardown_captured(session)
        self._queue_shown()
        live = self.live or live_log.LiveLog(None)
        live.close()  # pytest_sessionfinish's own wrapper puts it back
        try:
            self.config.hook.pytest_sessionfinish(session=session, exitstatus=exitstatus)
        except BaseException as e:  # noqa: B902 - reported like the native engine's
            self._teardown_error(e)
        text = live.leftover_text()
        if text:
            self.ch.queue({"t": "info", "text": text})
        if gather:
            self._gather_stats()
        self._queue_terminal_summary(exitstatus)
        try:
            compat.ensure_unconfigure(self.config)
        except BaseException:  # noqa: B902
            pass
        self.ch.flush()


class _QuietTerminal:
    """Stands in for pytest's terminal reporter (same name, every attribute the real
    one's) but implements none of its hooks: its per-test work (location, progress,
    status letters) would only write to the sink. xdist's workers run with no
    terminal reporter at all; this one keeps ``getplugin("terminalreporter")`` and
    ``config.get_terminal_writer()`` working for plugins that use them. With
    ``--setup-show`` its writer (``_tw``, what ``get_terminal_writer()`` returns) is a
    buffer the engine sends as ``info`` frames."""

    def __init__(self, real, tw=None):
        self.__dict__["_fastest_real"] = real
        if tw is not None:
            self.__dict__["_tw"] = tw

    def __getattr__(self, name):
        return getattr(self.__dict__["_fastest_real"], name)

    def __setattr__(self, name, value):
        setattr(self.__dict__["_fastest_real"], name, value)


def _slim_terminal_reporter(config):
    """Swap the quiet stand-in in; the ``--setup-show`` buffer, or None."""
    import io
    pm = config.pluginmanager
    real = pm.get_plugin("terminalreporter")
    if real is None:
        return None
    shown = io.StringIO() if getattr(config.option, "setupshow", False) else None
    pm.unregister(real, "terminalreporter")
    pm.register(_QuietTerminal(real, compat.plain_terminal_writer(shown) if shown else None),
                "terminalreporter")
    return shown


def _no_xdist_distribution(config):
    """pytest-xdist, when installed, must not distribute from inside a worker: fastest
    does the distributing (an addopts ``--dist`` without ``-n`` would make it start its
    own nodes at session start)."""
    opt = config.option
    if getattr(opt, "dist", "no") != "no":
        opt.dist = "no"
    if getattr(opt, "numprocesses", None):
        opt.numprocesses = None
    if getattr(opt, "tx", None):
        opt.tx = []


class _GlobalCapture:
    """pytest's global capture on for the ``with`` block (what it captured is dropped),
    as around the work pytest does between tests (collection, session teardown)."""

    def __init__(self, config):
        capman = config.pluginmanager.get_plugin("capturemanager")
        on = capman is not None and config.getoption("capture", "no") != "no"
        self.capman = capman if on else None

    def __enter__(self):
        if self.capman is not None:
            self.capman.resume_global_capture()
        return self

    def __exit__(self, *exc):
        if self.capman is not None:
            self.capman.suspend_global_capture()
            self.capman.read_global_capture()
        return False


def _conftest_defines(plugin, name):
    """Whether a registered plugin is a conftest module defining ``name``. Plugins are any
    objects: pytest-helpers-namespace registers one whose every attribute lookup raises."""
    if not isinstance(plugin, types.ModuleType):
        return False
    try:
        return str(getattr(plugin, "__file__", "") or "").endswith("conftest.py") and name in vars(plugin)
    except Exception:
        return False


class _HookFailed(Exception):
    """``pytest_ignore_collect`` raised while a collector's walk asked it."""

    def __init__(self, collector, error, tb):
        Exception.__init__(self, collector)
        self.collector = collector
        self.error = error
        self.tb = tb


class _Failure:
    """A report-like holder of a longrepr (results.longrepr_text, crash_message)."""

    def __init__(self, longrepr):
        self.longrepr = longrepr


class _ModuleSkip:
    """A module (or package) that skipped itself while being collected."""

    def __init__(self, nodeid, report):
        self.nodeid = nodeid
        self.report = report
        self.failed = False
        self.skipped = True


def serve(channel, msg):
    """Take over the worker after ``config``; never returns."""
    engine = Engine(channel, msg)
    try:
        engine.start()
        while True:
            m = channel.recv()
            if m is None:
                os._exit(0)
            kind = m.get("t")
            if kind == "run":
                engine.run_batch(m)
            elif kind == "shutdown":
                engine.shutdown(bool(m.get("stop")), bool(m.get("interrupted")))
                _exit(0)
    except Fatal as f:
        try:
            channel.flush()
            frame = {"t": "fatal", "exit_code": f.exit_code, "message": f.message}
            if f.when:
                frame["when"] = f.when
            channel.send(frame)
        except OSError:
            pass
        _exit(f.exit_code)


def _exit(code):
    for s in (sys.stdout, sys.stderr):
        try:
            s.flush()
        except Exception:
            pass
    os._exit(code)
