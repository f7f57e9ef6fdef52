"""A test module whose doctests cannot be collected: its tests still run."""
from pkg.broken_unwrap import _Broken

broken = _Broken()


def test_still_runs():
    assert broken is not None
