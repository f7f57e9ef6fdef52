"""The ``fastest`` console script: runs the executable shipped inside the package.

Kept free of the extension module so the command starts as fast as Python does.
"""
import os
import sys


def executable():
    """The path of the ``fastest`` executable inside the installed package."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "_bin", "fastest")


def main(argv=None):
    """Replaces this process with ``fastest ARGV...`` (the command line's own exit code)."""
    args = sys.argv[1:] if argv is None else list(argv)
    exe = executable()
    if not os.access(exe, os.X_OK):
        sys.stderr.write(f"fastest: the executable is missing from the package: {exe}\n")
        return 3
    # In a virtualenv that was not activated, the workers' default interpreter is still
    # this one: the rule "the active virtualenv's" is made true for it.
    if sys.prefix != sys.base_prefix and not os.environ.get("VIRTUAL_ENV"):
        os.environ["VIRTUAL_ENV"] = sys.prefix
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(exe, [exe, *args])
    return 3  # not reached
