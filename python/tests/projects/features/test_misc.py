import os
import sys

import pytest


async def test_async_skipped():
    pass


def test_generator_function():
    yield 1


class TestWithInit:
    def __init__(self):
        pass

    def test_never_collected(self):
        pass


class TestNotCollected:
    __test__ = False

    def test_hidden(self):
        pass


def test_hidden_function():
    pass


test_hidden_function.__test__ = False


class TestNested:
    class TestInner:
        def test_inner(self):
            pass

    def test_outer(self):
        pass


class TestStatic:
    @staticmethod
    def test_static():
        pass

    @classmethod
    def test_classmethod(cls):
        pass


class BaseTests:
    def test_from_base(self):
        assert self.value > 0


class TestDerived(BaseTests):
    value = 1


class TestDerivedFail(BaseTests):
    value = 0


def test_chdir_into_deleted(tmp_path):
    d = tmp_path / "gone"
    d.mkdir()
    os.chdir(d)
    os.rmdir(d)


def test_returns_value():
    return 5


def test_assert_compare_strings():
    assert "hello world" == "hello there"


def test_assert_in():
    assert 5 in [1, 2, 3]


def test_assert_dict():
    assert {"a": 1, "b": 2} == {"a": 1, "b": 3}


def test_assert_call():
    def f():
        return False
    assert f()


def test_assert_message():
    assert 1 == 2, "custom message"


def helper_raises():
    raise ValueError("deep")


def test_nested_traceback():
    helper_raises()


def test_lambda_param_id():
    pass


def test_input_under_capture():
    with pytest.raises(OSError):
        input()
