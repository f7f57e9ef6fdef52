import warnings

import pytest

from conftest import CALLS


@pytest.mark.registered
def test_registered_mark():
    assert CALLS


def check_collected_by_ini():
    pass


class Suite:
    def check_in_suite(self):
        pass


@pytest.mark.xfail(reason="strict from ini")
def test_xpass_strict():
    pass


@pytest.mark.xfail(strict=False)
def test_xpass_not_strict():
    pass


def test_warning_is_error():
    warnings.warn("boom", UserWarning)


def test_warning_ignored():
    warnings.warn("ignored by ini", UserWarning)


@pytest.mark.parametrize("x", [])
def test_empty_set_xfails(x):
    pass
