"""Entry point of a fastest worker process.

Launched as ``<python> <dir>/fastest_worker_main.py --in-fd 3 --out-fd 4``
(see docs/protocol.md). The harness directory is removed from ``sys.path``
after the package is imported so user code sees the ``sys.path`` that the
``pytest`` console script would give it.
"""
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))


def _compile_harness(here):
    """With bytecode writing off (PYTHONDONTWRITEBYTECODE or -B, common in containers)
    every worker would compile the harness's modules again: ~60 ms of CPU per start
    that pytest, installed with its bytecode, never pays. The harness is fastest's own
    code in fastest's cache directory, so its bytecode is written there once per
    interpreter. Nothing of the user's is written: the flag still holds for their code."""
    try:
        import importlib.util
        package = os.path.join(here, "fastest_worker")
        if os.path.exists(importlib.util.cache_from_source(os.path.join(package, "__init__.py"))):
            return
        import compileall
        import py_compile
        import re
        init = os.path.join(package, "__init__.py")
        # The package's __init__ last: its bytecode says the whole tree is there.
        compileall.compile_dir(package, quiet=2, rx=re.compile("^" + re.escape(init) + "$"))
        py_compile.compile(init, doraise=True)
    except Exception:
        pass  # a read-only cache, no cache tag: the imports compile in memory as before


if sys.dont_write_bytecode:
    _compile_harness(_here)
if sys.path and os.path.abspath(sys.path[0] or ".") == _here:
    from fastest_worker import main as _main
else:
    sys.path.insert(0, _here)
    from fastest_worker import main as _main
while _here in sys.path:
    sys.path.remove(_here)
# The script's own dir was sys.path[0]; once configured the worker puts the invocation
# directory there, as `python -m pytest` does (fastest_worker.main._invocation_dir_first).
del _here

if __name__ == "__main__":
    sys.exit(_main.main(sys.argv[1:]))
