"""Entry point of a fastest worker process.

Launched as ``<python> <dir>/fastest_worker_main.py --in-fd 3 --out-fd 4``
(see docs/protocol.md). The harness directory is removed from ``sys.path``
after the package is imported so user code sees the ``sys.path`` that the
``pytest`` console script would give it.
"""
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0] or ".") == _here:
    from fastest_worker import main as _main
else:
    sys.path.insert(0, _here)
    from fastest_worker import main as _main
while _here in sys.path:
    sys.path.remove(_here)
# The script's own dir was sys.path[0]; what pytest's console script leaves
# there instead is the bin dir, which never matters for imports.
del _here

if __name__ == "__main__":
    sys.exit(_main.main(sys.argv[1:]))
