"""Worker process main loop: ready -> config -> run* -> shutdown."""
import os
import signal
import sys
import _thread
import time

from . import PROTOCOL_VERSION
from .proto import Channel, ProtocolError
from .startup import Fatal


def _implementation():
    """platform.python_implementation(), without importing platform (~10 ms at start-up)."""
    name = sys.implementation.name
    return {"cpython": "CPython", "pypy": "PyPy", "ironpython": "IronPython",
            "jython": "Jython"}.get(name, name)


def _parse_args(argv):
    in_fd, out_fd, dump_fd, spill_fd = 3, 4, -1, -1
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--in-fd":
            in_fd = int(argv[i + 1])
            i += 2
        elif a == "--out-fd":
            out_fd = int(argv[i + 1])
            i += 2
        elif a == "--dump-fd":
            dump_fd = int(argv[i + 1])
            i += 2
        elif a == "--spill-fd":
            spill_fd = int(argv[i + 1])
            i += 2
        else:
            i += 1
    return in_fd, out_fd, dump_fd, spill_fd


def _arm_stack_dumps(fd):
    """``--dump-fd N``: SIGUSR1 writes every thread's stack to fd N (docs/protocol.md,
    Timeouts); the fd is moved high first so tests closing fds cannot take it."""
    if fd < 0:
        return
    try:
        import faulthandler
        fd = _move_high(fd)
        faulthandler.register(signal.SIGUSR1, file=fd, all_threads=True)
    except (OSError, ValueError, AttributeError):
        pass


def _move_high(fd):
    """Move a protocol fd out of the way of tests that close fds 3..N (daemon helpers)."""
    try:
        import fcntl
        high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 1000)
    except (ImportError, OSError, ValueError):
        return fd
    os.close(fd)
    return high


# Bound now: tests patch ``time.sleep`` (``mock.patch("time.sleep")``, a fake clock
# that only advances), and the watcher thread, running beside the test, must neither
# show in the mock's calls nor spin on a sleep that returns at once.
_sleep = time.sleep
_getppid = os.getppid


def _watch_parent(ppid, ch):
    """Exit (taking our process group with us) once the controller is gone; meanwhile
    write batched frames that waited too long (a long test's ``start``)."""
    tick = 0
    while True:
        _sleep(0.02)
        try:
            ch.flush_stale()
        except OSError:
            pass  # the controller is gone: the check below ends us
        tick += 1
        if tick % 25:
            continue
        if _getppid() != ppid:
            try:
                if os.getpgrp() == os.getpid():
                    os.killpg(os.getpgrp(), signal.SIGKILL)
            finally:
                os._exit(1)


_script_module = None  # the harness script's own module, kept while __main__ is pytest's


def _main_as_python_m_pytest():
    """``sys.modules["__main__"]`` as ``python -m pytest`` leaves it: pytest's
    ``__main__.py`` (spec ``pytest.__main__``, package ``pytest``), not this harness script,
    for code that asks ``__main__`` what it is (Flask's ``Flask("__main__")`` instance path
    through ``find_spec("__main__")``; multiprocessing's spawn, which re-imports it guarded
    by ``__name__``). Left as it is when pytest is not installed."""
    global _script_module
    from importlib.machinery import ModuleSpec, PathFinder, SourceFileLoader
    try:
        found = PathFinder.find_spec("pytest")
    except (ImportError, ValueError):
        return
    locations = found and found.submodule_search_locations
    if not locations:
        return
    path = os.path.join(list(locations)[0], "__main__.py")
    if not os.path.isfile(path):
        return
    loader = SourceFileLoader("pytest.__main__", path)
    spec = ModuleSpec("pytest.__main__", loader, origin=path)
    spec.has_location = True
    main = type(sys)("__main__")
    main.__spec__, main.__loader__, main.__file__ = spec, loader, path
    main.__package__, main.__cached__ = "pytest", spec.cached
    main.__builtins__ = __builtins__
    _script_module = sys.modules.get("__main__")
    sys.modules["__main__"] = main


def _set_argv(argv):
    """``sys.argv`` as under pytest: the user's own command line (program first), so
    code that reads it at import (``"--runslow" in sys.argv``, an argparse at module
    level) sees what pytest's would."""
    if isinstance(argv, list) and argv and all(isinstance(a, str) for a in argv):
        sys.argv[:] = argv


def _invocation_dir_first(path):
    """``sys.path[0]`` as ``python -m pytest`` leaves it: the directory pytest was run
    from (``PYTHONSAFEPATH`` / ``-P`` turn that off, there too). A checkout whose
    package is not installed imports it from there; the ``pytest`` console script puts
    its bin directory there instead (docs/compatibility.md, "sys.path")."""
    if isinstance(path, str) and path and not getattr(sys.flags, "safe_path", False):
        sys.path.insert(0, path)


def main(argv):
    in_fd, out_fd, dump_fd, spill_fd = _parse_args(argv)
    _main_as_python_m_pytest()
    # Tests that read sys.argv must not see the protocol's flags.
    del sys.argv[1:]
    for fd in (in_fd, out_fd):
        try:
            os.set_inheritable(fd, False)
        except OSError:
            return 3
    in_fd, out_fd = _move_high(in_fd), _move_high(out_fd)
    if spill_fd >= 0:
        try:
            os.set_inheritable(spill_fd, False)
            spill_fd = _move_high(spill_fd)
        except OSError:
            spill_fd = -1
    _arm_stack_dumps(dump_fd)
    ppid = os.getppid()
    ch = Channel(in_fd, out_fd)
    # The watcher is invisible to tests, as pytest's process has no second thread: a bare
    # thread, never in threading.enumerate() (`threading.active_count() == 1` checks), born
    # with every signal blocked so they reach the main thread alone (a C-level handler such
    # as faulthandler's SIGUSR1 stack dump runs in whichever thread receives the signal).
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
    try:
        _thread.start_new_thread(_watch_parent, (ppid, ch))
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    ch.send({"t": "ready", "protocol": PROTOCOL_VERSION, "pid": os.getpid(),
             "python": sys.version.split()[0],
             "implementation": _implementation()})
    run = None
    try:
        while True:
            msg = ch.recv()
            if msg is None:
                # The controller is gone: no one to report session teardown to.
                _quick_exit(run)
                os._exit(0)
            kind = msg.get("t")
            if kind == "config":
                _set_argv(msg.get("argv"))
                _invocation_dir_first(msg.get("invocation_dir"))
                if msg.get("engine") == "pytest":
                    # The user's pytest runs the batches; the native engine stays unloaded.
                    from .pytest_engine import serve
                    if spill_fd >= 0:
                        ch.batch_frames(spill_fd)
                    serve(ch, msg)
                run = _configure(msg, ch)
                if spill_fd >= 0:
                    ch.batch_frames(spill_fd)  # the native engine batches its frames
            elif kind == "run":
                if run is None:
                    run = _configure({}, ch)
                try:
                    run.run_batch(msg)
                except Fatal as e:
                    run.teardown_all()
                    send_fatal(ch, run, e)
            elif kind == "shutdown":
                if run is not None:
                    run.shutdown()
                _flush_all()
                # Threads a test left running must not keep the worker alive
                # (non-daemon threads would block a normal interpreter exit).
                try:
                    import atexit
                    atexit._run_exitfuncs()
                except BaseException:  # noqa: B902
                    pass
                _flush_all()
                os._exit(0)
    except BrokenPipeError:
        os._exit(3)
    except BaseException as e:  # noqa: B902 - say why on the real stderr, then exit 3
        if run is not None:
            try:
                run.capture.close()
            except Exception:
                pass
        import traceback
        sys.stderr.write("fastest worker: internal error (%s)\n" % (
            "protocol" if isinstance(e, ProtocolError) else type(e).__name__))
        traceback.print_exc()
        _flush_all()
        os._exit(3)


def _configure(msg, ch):
    from .nodes import Config
    from .runner import Run
    from . import rewrite
    from . import assertrepr
    from . import report
    config = Config(msg)
    _set_worker_env(config)
    assertrepr.verbose = config.verbose
    report.configure(config.option)
    _apply_pythonpath(config)
    rewrite.install(config)
    run = Run(config, ch)
    run.reruns.configure(msg)
    if "args" not in msg and "options" not in msg:
        return run  # a protocol-1 controller: conftests load with the first batch
    try:
        header = run.start()
    except Fatal as e:
        send_fatal(ch, run, e)
    ch.send({"t": "configured", "header": header})
    if config.option.markers:
        ch.send({"t": "info", "text": run.markers_text()})
    return run


def send_fatal(ch, run, e):
    """Report a session-level error and end the worker (docs/protocol.md, ``fatal``)."""
    try:
        run.capture.close()
    except Exception:
        pass
    msg = {"t": "fatal", "exit_code": int(e.exit_code), "message": e.message}
    if getattr(e, "when", None):
        msg["when"] = e.when
    ch.send(msg)
    _flush_all()
    os._exit(0)


def _set_worker_env(config):
    """pytest-xdist's environment for its workers (not with ``-n 0``)."""
    if config.worker_id != "master":
        os.environ["PYTEST_XDIST_WORKER"] = config.worker_id
        os.environ["PYTEST_XDIST_WORKER_COUNT"] = str(config.worker_count)
        os.environ.setdefault("PYTEST_XDIST_TESTRUNUID", config.workerinput["testrunuid"])


def _apply_pythonpath(config):
    """pytest 7's `pythonpath` ini option: dirs relative to the ini file, prepended in order."""
    value = config.ini.get("pythonpath")
    if not value:
        return
    entries = value.split() if isinstance(value, str) else list(value)
    inifile = config.ini.get("__inifile__") or ""
    base = os.path.dirname(inifile) if inifile else config.rootdir_str
    for entry in reversed(entries):
        sys.path.insert(0, os.path.normpath(os.path.join(base, entry)))


def _flush_all():
    for s in (sys.stdout, sys.stderr):
        try:
            s.flush()
        except Exception:
            pass


def _quick_exit(run):
    if run is not None:
        try:
            run.capture.close()
        except Exception:
            pass
