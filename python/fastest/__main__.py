"""``python -m fastest ARGS...``: the command line."""
import sys

from fastest._cli import main

sys.exit(main())
