"""fastest: a pytest-compatible test runner written in C++, from Python.

    import fastest
    items = fastest.discover(["tests"])              # static: no Python worker starts
    results = fastest.run_tests_parallel(items, num_workers=4)
    failed = [r for r in results if r.failed]
    fastest.run(["-x", "tests"])                     # the command line, like pytest.main
    fastest.History().slowest(10)                    # what the history database knows

The functions here only check their arguments and build the command line that the
``fastest`` executable would parse; the work is done by the same C++ code as the CLI
(the extension module ``fastest._fastest``). Runs release the GIL while the workers run.
"""
import os
import sys

from fastest._cli import executable

# The extension module (the whole C++ runner) is loaded on first use, not by
# `import fastest`: a conftest or a tool that only imports the package pays ~1 ms, not
# the dynamic loading of the runner and its libraries.
_EXTENSION_NAMES = ("Batch", "CollectionError", "Plan", "Run", "TestItem", "TestResult", "TestStat")


def _ext():
    from fastest import _fastest

    return _fastest


def __getattr__(name):
    if name in _EXTENSION_NAMES:
        value = getattr(_ext(), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'fastest' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_EXTENSION_NAMES))


__version__ = "0.1.0"
__all__ = [
    "Batch",
    "CollectionError",
    "History",
    "HistoryWarning",
    "Plan",
    "Results",
    "Run",
    "TestItem",
    "TestResult",
    "TestStat",
    "discover",
    "executable",
    "run",
    "run_tests",
    "run_tests_parallel",
]


class HistoryWarning(UserWarning):
    """The history database could not be used as it was (a corrupt or foreign file was set
    aside and a new one started, as the CLI does): outcomes are unaffected."""


class Results(list):
    """The TestResult objects of a run, in the order the workers finished them.

    Also: ``exit_code`` (pytest's: 0 all passed, 1 failures, 2 interrupted or collection
    errors, 3 internal error, 4 usage error, 5 nothing collected) and ``errors`` (the
    CollectionError of each file that could not be collected).
    """

    def __init__(self, results=(), exit_code=0, errors=()):
        super().__init__(results)
        self.exit_code = exit_code
        self.errors = list(errors)

    def __repr__(self):
        return f"Results({len(self)} results, exit_code={self.exit_code})"


def _type_error(func, name, expected, value):
    return TypeError(f"{func}() argument '{name}' must be {expected}, not {type(value).__name__}")


def _path(func, name, value):
    if isinstance(value, str):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise _type_error(func, name, "str or os.PathLike", value)


def _path_list(func, name, value):
    if value is None:
        return []
    if isinstance(value, (str, os.PathLike)):
        return [_path(func, name, value)]
    if not isinstance(value, (list, tuple)):
        raise _type_error(func, name, "a path or a list of paths", value)
    return [_path(func, name, v) for v in value]


def _check_exists(args):
    """FileNotFoundError for a path argument (or the file of a node id) that does not exist."""
    if "--pyargs" in args:
        return
    for a in args:
        if a.startswith("-"):
            continue
        path = a.split("::", 1)[0]
        if path and not os.path.exists(path):
            raise FileNotFoundError(2, "file or directory not found", path)


def _ini_options(func, ini):
    argv = []
    for key, value in ini.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (list, tuple)):
            value = " ".join(str(v) for v in value)
        elif isinstance(value, (int, float, str, os.PathLike)):
            value = os.fspath(value) if isinstance(value, os.PathLike) else str(value)
        else:
            raise _type_error(func, key, "str, int, float, bool or a list of str", value)
        argv += ["-o", f"{key}={value}"]
    return argv


def _warn(messages):
    if messages:
        import warnings

        for m in messages:
            warnings.warn(f"fastest: {m}", HistoryWarning, stacklevel=3)


def _python():
    return sys.executable or ""


def discover(paths=None, rootdir=None, **ini):
    """The tests under ``paths`` as static discovery sees them; no Python worker starts.

    paths:   a path, node id or list of them, as on the command line (default: the
             ini file's testpaths, else the current directory)
    rootdir: pytest's --rootdir (default: found from the paths and ini files as pytest does)
    **ini:   ini options overriding the config file (``python_files="check_*.py"``),
             as ``-o name=value``

    Returns a list of TestItem (node_id, path, file, line, cls, function, markers,
    parametrized, params) in pytest's collection order. Parametrized functions appear once:
    their ids expand at run time; ``params`` names their parametrize argnames as far as the
    source states them literally (``["x", "y"]`` for ``@pytest.mark.parametrize("x, y", ...)``). Files that cannot be parsed are skipped (run_tests reports
    them). The project's history database caches the parse, as for the CLI.

    Raises TypeError for an argument of the wrong type, FileNotFoundError for a missing
    path, ValueError for anything else the command line would refuse.
    """
    args = _path_list("discover", "paths", paths)
    argv = list(args)
    if rootdir is not None:
        rootdir = _path("discover", "rootdir", rootdir)
        if not os.path.isdir(rootdir):
            raise FileNotFoundError(2, "rootdir not found", rootdir)
        argv += ["--rootdir", rootdir]
    argv += _ini_options("discover", ini)
    _check_exists(args)
    _rootdir, items, _errors, warnings = _ext()._discover(argv, _python())
    _warn(warnings)
    return items


def run(args=None):
    """Runs fastest's command line in this process, like ``pytest.main``; returns the exit code.

    args: the arguments after ``fastest`` (a list of str or paths; default ``sys.argv[1:]``),
          e.g. ``["-n", "4", "-x", "tests/"]``. The terminal report is printed as the
          command line prints it. The subcommands (stats, db, plan, verify) are the
          executable's: see ``fastest.executable()``.

    Ctrl-C stops the run cleanly and returns 2, as pytest.main does.
    """
    if args is None:
        args = sys.argv[1:]
    elif isinstance(args, os.PathLike):
        args = [os.fspath(args)]
    elif not isinstance(args, (list, tuple)):
        raise _type_error("run", "args", "a list of str", args)
    argv = [_path("run", "args", a) for a in args]
    sys.stdout.flush()
    sys.stderr.flush()
    return _ext()._run(argv, _python(), True)


def _test_args(func, items_or_ids):
    if isinstance(items_or_ids, (str, os.PathLike, _ext().TestItem)):
        items_or_ids = [items_or_ids]
    try:
        values = list(items_or_ids)
    except TypeError:
        raise _type_error(func, "items_or_ids", "an iterable of TestItem, node ids or paths", items_or_ids) from None
    args, rootdirs = [], set()
    item_type = _ext().TestItem
    for v in values:
        if isinstance(v, item_type):
            # The absolute path keeps the id valid whatever the current directory is.
            args.append(v.path + v.node_id[len(v.file) :])
            rootdirs.add(v.rootdir)
        else:
            args.append(_path(func, "items_or_ids", v))
    return args, rootdirs


def run_tests(items_or_ids, num_workers=None, schedule="history", db=None, engine="auto", *, args=(), report=False):
    """Runs tests on persistent workers and returns their results.

    items_or_ids: TestItem objects from discover(), node ids ("tests/test_x.py::test_a"),
                  paths, or a mix (one value or an iterable)
    num_workers:  worker processes (None: the configured default, all cores; 0: one worker)
    schedule:     "history" (longest recorded first, LPT) or "fifo" (file order)
    db:           the history database (None: the project's, <rootdir>/.fastest/fastest.db
                  or $FASTEST_DB; ":memory:" keeps none)
    engine:       "auto", "native" or "pytest"
    args:         more command-line arguments (["-x", "-k", "not slow", "--junitxml", "r.xml"])
    report:       also print the terminal report the command line prints

    Returns Results, a list of TestResult (node_id, outcome, duration, durations,
    longrepr, worker, ...) with ``exit_code`` and ``errors`` (collection errors). The run
    is recorded in the history database like any other. The GIL is released while the
    workers run; a test that crashes its worker is an outcome ("crashed"), never an
    exception here. Ctrl-C stops the run cleanly, then raises KeyboardInterrupt.

    Raises TypeError for an argument of the wrong type, FileNotFoundError for a missing
    path, ValueError for a command line fastest refuses (the message says why).
    A database that is corrupt or foreign is set aside (as by the CLI) with a HistoryWarning.
    """
    ids, rootdirs = _test_args("run_tests", items_or_ids)
    argv = list(ids)
    if num_workers is not None:
        if isinstance(num_workers, bool) or not isinstance(num_workers, int):
            raise _type_error("run_tests", "num_workers", "int or None", num_workers)
        if num_workers < 0:
            raise ValueError("run_tests() argument 'num_workers' must be >= 0")
        argv += ["-n", str(num_workers)]
    if not isinstance(schedule, str):
        raise _type_error("run_tests", "schedule", "str", schedule)
    if schedule not in ("history", "fifo"):
        raise ValueError(f"run_tests() argument 'schedule' must be 'history' or 'fifo', not {schedule!r}")
    argv += ["--schedule", schedule]
    if db is not None:
        argv += ["--db", _path("run_tests", "db", db)]
    if not isinstance(engine, str):
        raise _type_error("run_tests", "engine", "str", engine)
    if engine not in ("auto", "native", "pytest"):
        raise ValueError(f"run_tests() argument 'engine' must be 'auto', 'native' or 'pytest', not {engine!r}")
    argv += ["--engine", engine]
    if len(rootdirs) == 1:
        argv += ["--rootdir", rootdirs.pop()]
    if isinstance(args, (str, os.PathLike)) or not isinstance(args, (list, tuple)):
        raise _type_error("run_tests", "args", "a list of str", args)
    argv += [_path("run_tests", "args", a) for a in args]
    _check_exists(ids)
    sys.stdout.flush()
    sys.stderr.flush()
    code, interrupted, results, errors, warnings = _ext()._run_tests(argv, bool(report), _python(), True)
    _warn(warnings)
    if interrupted:
        raise KeyboardInterrupt
    return Results(results, code, errors)


def run_tests_parallel(tests, num_workers=None):
    """``run_tests(tests, num_workers=num_workers)``: the tests on ``num_workers`` workers
    (None: all cores), scheduled by history. Returns Results (a list of TestResult)."""
    return run_tests(tests, num_workers=num_workers)


class History:
    """The history database, read-only: what past runs recorded.

    db:      the database file (None: the project's, as ``fastest stats`` finds it)
    rootdir: the project whose database is meant when db is None (default: found from
             the current directory as pytest finds rootdir)

    Each query opens the file, reads, and closes it again: the results are plain objects
    (TestStat, Run, Plan) that hold nothing open. Seconds throughout.
    """

    def __init__(self, db=None, rootdir=None):
        db = "" if db is None else _path("History", "db", db)
        rootdir = "" if rootdir is None else _path("History", "rootdir", rootdir)
        if rootdir and not os.path.isdir(rootdir):
            raise FileNotFoundError(2, "rootdir not found", rootdir)
        self._rootdir = rootdir
        self._db_arg = db
        self.path = _ext()._project_db(db, rootdir)

    def __repr__(self):
        return f"History({self.path!r})"

    def _query(self, fn, n, name):
        if isinstance(n, bool) or not isinstance(n, int):
            raise _type_error(name, "n", "int", n)
        if not os.path.exists(self.path):
            raise FileNotFoundError(2, "no history database yet (run fastest first)", self.path)
        rows, warnings = fn(self.path, max(0, n))
        _warn(warnings)
        return rows

    def slowest(self, n=20):
        """The ``n`` tests with the largest estimated duration, as TestStat, slowest first."""
        return self._query(_ext()._slowest, n, "slowest")

    def flaky(self, n=1000):
        """Tests whose outcome flipped between passing and failing (the most flips first), as TestStat."""
        return self._query(_ext()._flaky, n, "flaky")

    def runs(self, n=1000):
        """The last ``n`` recorded runs, newest first, as Run."""
        return self._query(_ext()._runs, n, "runs")

    def plan(self, num_workers=None, paths=None, schedule="history"):
        """What ``fastest plan`` would schedule on ``num_workers`` workers (None: all cores)
        for ``paths`` (default: the project's testpaths), from this history; runs nothing.
        Returns a Plan: batches in dispatch order, predicted makespan, lower bound."""
        if num_workers is None:
            workers = -1
        elif isinstance(num_workers, bool) or not isinstance(num_workers, int):
            raise _type_error("plan", "num_workers", "int or None", num_workers)
        else:
            workers = num_workers
        if not isinstance(schedule, str):
            raise _type_error("plan", "schedule", "str", schedule)
        args = _path_list("plan", "paths", paths)
        _check_exists(args)
        plan, warnings = _ext()._plan(self._db_arg, self._rootdir, args, workers, schedule)
        _warn(warnings)
        return plan
