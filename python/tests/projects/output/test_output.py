import os
import subprocess
import sys


def test_print():
    print("to stdout")
    print("to stderr", file=sys.stderr)


def test_fd_and_subprocess():
    os.write(1, b"raw fd write\n")
    subprocess.run([sys.executable, "-c", "print('from child')"], check=True)


def test_invalid_utf8():
    os.write(1, b"bad \xff\xfe bytes\n")
    sys.stdout.write("lone \udcff surrogate\n")


def test_fails_with_output():
    print("shown with failure")
    assert 1 == 2


def test_logging():
    import logging
    logging.getLogger("demo").warning("a warning log")
