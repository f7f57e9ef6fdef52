import pytest


@pytest.mark.not_registered_anywhere
def test_never_runs():
    pass
