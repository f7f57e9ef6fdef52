import pytest


def test_a():
    import pytest  # noqa: F401 - entry points load once pytest is imported
