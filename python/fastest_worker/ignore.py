"""Runtime collection control: ``collect_ignore``, ``collect_ignore_glob``,
``--ignore``, ``--ignore-glob`` and conftest ``pytest_ignore_collect`` hooks,
checked the way pytest's directory walk checks them (each directory below the
rootdir, then the file unless it was named on the command line)."""
import fnmatch
import os
import pathlib

from . import compat
from .hooks import call_hook


def init_paths(config):
    """Absolute paths named on the command line (pytest never ignores those)."""
    from .startup import _positional_args
    out = set()
    for arg in _positional_args(config):
        path = arg.split("::", 1)[0]
        out.add(os.path.normpath(os.path.join(config.invocation_dir, path)))
    return out


def is_ignored(run, relpath):
    """True when pytest would not collect the module at ``relpath`` (rootdir-relative)."""
    root = run.config.rootdir_str
    parts = relpath.replace("\\", "/").split("/")
    inits = run.init_paths
    for i in range(1, len(parts) + 1):
        path = os.path.join(root, *parts[:i])
        is_dir = i < len(parts)
        # pytest's walk starts at each argument: a directory above (or named by) one is
        # never asked about, a file named on the command line neither.
        if path in inits or (is_dir and _above_an_init_path(path, inits)):
            continue
        if is_dir:
            if _dir_ignored(run, path):
                return True
        elif _ignored_path(run, path, is_dir):
            return True
    return False


def _dir_ignored(run, path):
    """A directory's answer, asked once per run as pytest's walk asks once per session
    (again only when plugins or conftests were registered since: they may answer)."""
    cache = run.__dict__.setdefault("_ignored_dirs", {})
    key = (len(run.hook_plugins), len(run.conftests))
    hit = cache.get(path)
    if hit is not None and hit[0] == key:
        return hit[1]
    res = _ignored_path(run, path, True)  # a raising hook raises again for each module
    cache[path] = ((len(run.hook_plugins), len(run.conftests)), res)
    return res


def _above_an_init_path(path, inits):
    prefix = path.rstrip(os.sep) + os.sep
    return any(p.startswith(prefix) for p in inits)


def _failing_collector(run, path, is_dir):
    """Node id of the collector whose walk asks the hook about ``path`` (pytest 7.2's
    Session.collect walks every directory and every package's ``__init__.py`` itself;
    a package's Package.collect asks about the other files of its own directory): the
    session's ``""`` or ``pkg/__init__.py``. Its collection fails with the hook's error."""
    parent = os.path.dirname(path)
    if is_dir or os.path.basename(path) == "__init__.py" or \
            not os.path.isfile(os.path.join(parent, "__init__.py")):
        return ""
    rel = os.path.relpath(os.path.join(parent, "__init__.py"), run.config.rootdir_str)
    return rel.replace(os.sep, "/")


def _ignored_path(run, path, is_dir):
    parent = os.path.dirname(path)
    try:
        run.collector.dir_chain(parent if is_dir else os.path.dirname(path))
    except Exception:
        return False  # the conftest's own error surfaces when the module is collected
    config = run.config
    p = None
    for mod in reversed(run.hook_modules_for(path if not is_dir else parent)):
        fn = getattr(mod, "pytest_ignore_collect", None)
        if fn is None:
            continue
        if p is None:
            p = pathlib.Path(path)
        try:
            res = call_hook(fn, collection_path=p, path=_legacy(p), config=config)
        except Exception as e:
            if isinstance(e, compat.outcome_types()):
                raise
            from .report import hook_error
            err = hook_error(e, config.invocation_dir)
            err.collector = _failing_collector(run, path, is_dir)
            raise err from None
        if res is not None:
            return bool(res)
    return _builtin_ignore(run, path)


def _builtin_ignore(run, path):
    """pytest's main.pytest_ignore_collect: the closest conftest's lists, then the options."""
    config = run.config
    ignores = _conftest_pathlist(run, "collect_ignore", os.path.dirname(path))
    ignores += [os.path.normpath(os.path.join(config.invocation_dir, p))
                for p in config.option.ignore or []]
    if path in ignores:
        return True
    globs = _conftest_pathlist(run, "collect_ignore_glob", os.path.dirname(path))
    globs += [os.path.join(config.invocation_dir, p) if not os.path.isabs(p) else p
              for p in config.option.ignore_glob or []]
    return any(fnmatch.fnmatch(path, g) for g in globs)


def _conftest_pathlist(run, name, directory):
    """Values of ``name`` in the closest conftest (at or above ``directory``) that sets it,
    relative to that conftest's directory (pytest's _getconftest_pathlist)."""
    best = None
    for d, mod in run.conftests:
        if (directory == d or directory.startswith(d.rstrip(os.sep) + os.sep)) and \
                hasattr(mod, name):
            if best is None or len(d) > len(best[0]):
                best = (d, mod)
    if best is None:
        return []
    d, mod = best
    values = getattr(mod, name) or []
    if isinstance(values, (str, os.PathLike)):
        values = [values]
    return [os.path.normpath(os.path.join(d, os.fspath(v))) for v in values]


def _legacy(path):
    from .nodes import _legacy_path
    return _legacy_path(path)
