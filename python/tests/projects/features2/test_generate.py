import functools
from unittest import mock

import pytest

pytestmark = [pytest.mark.parametrize("modp", [10, 20])]


def pytest_generate_tests(metafunc):
    if "gen" in metafunc.fixturenames:
        metafunc.parametrize("gen", ["g1", "g2"], ids=["first", "second"])


def test_generated(gen, modp):
    assert gen.startswith("g")


def test_only_module_param(modp):
    assert modp in (10, 20)


def deco(f):
    @functools.wraps(f)
    def wrapper(*a, **kw):
        return f(*a, **kw)
    return wrapper


@deco
def test_wrapped(modp, tmp_path):
    assert tmp_path.exists()


@mock.patch("os.getcwd")
def test_mock_patch(m, modp):
    import os
    m.return_value = "/x"
    assert os.getcwd() == "/x"


def test_default_arg(modp, value=5):
    assert value == 5


def check_not_collected_name(modp):
    pass


check_not_collected_name.__test__ = True

TestData = {"a": 1}
