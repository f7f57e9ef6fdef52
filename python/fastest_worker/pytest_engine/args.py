"""The pytest argument list a worker builds its Config from (docs/protocol.md, ``args``).

The controller sends the expanded arguments (ini ``addopts``, ``PYTEST_ADDOPTS``, the
command line). Options whose work the controller does itself (history-based
``--lf``/``--ff``, the JUnit file, the temp root, debugging on a terminal the worker does
not own) are taken out; ``-o addopts=`` keeps pytest from expanding addopts a second
time (the progress style is fixed too, see ``_OWN_INI``), and ``--rootdir`` pins the node ids to the controller's rootdir.
"""

_DROP_FLAGS = frozenset((
    "--lf", "--last-failed", "--ff", "--failed-first", "--nf", "--new-first",
    "--sw", "--stepwise", "--sw-skip", "--stepwise-skip", "--cache-clear",
    "--pdb", "--trace", "--co", "--collect-only", "--collectonly",
))
_DROP_WITH_VALUE = frozenset((
    "--lfnf", "--last-failed-no-failures", "--junitxml", "--junit-xml", "--basetemp",
    "--pdbcls",
))


# ini overrides the engine sets itself: addopts (already expanded in ``args``) and the
# terminal reporter's progress style (its output goes nowhere, and its progress
# bookkeeping assumes one collection per session: across batches it grows a line
# without end and costs quadratic time).
_OWN_INI = ("addopts=", "console_output_style=")


def _is_addopts_override(value):
    return value.replace(" ", "").startswith(_OWN_INI)


def filter_args(args):
    """``args`` without the controller-owned options (``--`` ends the filtering)."""
    out = []
    i = 0
    n = len(args)
    while i < n:
        a = str(args[i])
        if a == "--":
            out.extend(str(x) for x in args[i:])
            break
        name = a.split("=", 1)[0]
        if a in _DROP_FLAGS:
            i += 1
            continue
        if name in _DROP_WITH_VALUE:
            i += 1 if "=" in a else 2
            continue
        if a in ("-o", "--override-ini") and i + 1 < n and _is_addopts_override(str(args[i + 1])):
            i += 2
            continue
        if name == "--override-ini" and "=" in a and _is_addopts_override(a.split("=", 1)[1]):
            i += 1
            continue
        if a.startswith("-o") and len(a) > 2 and _is_addopts_override(a[2:]):
            i += 1
            continue
        out.append(a)
        i += 1
    return out


def _has_option(args, name):
    for a in args:
        if a == "--":
            return False
        if a == name or a.startswith(name + "="):
            return True
    return False


def build(msg, basetemp):
    """The full argument list for ``pytest_compat.prepare_config``."""
    user = filter_args(list(msg.get("args") or []))
    head = ["-o", "addopts=", "-o", "console_output_style=classic"]
    rootdir = msg.get("rootdir")
    if rootdir and not _has_option(user, "--rootdir"):
        head.append("--rootdir=" + str(rootdir))
    if basetemp:
        head.append("--basetemp=" + basetemp)
    return head + user
