import os
import sys


def test_cwd_and_path_usable():
    assert os.getcwd()
    assert len(sys.path) > 1
    import json  # noqa: F401
