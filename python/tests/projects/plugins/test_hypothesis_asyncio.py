import asyncio

import pytest
from hypothesis import given, settings, strategies as st


@given(st.integers())
def test_ints(x):
    assert isinstance(x, int)


@given(st.lists(st.integers()))
@settings(max_examples=20)
def test_sorted(xs):
    assert sorted(sorted(xs)) == sorted(xs)


@given(x=st.integers(min_value=0))
def test_fails(x):
    assert x < 5


@pytest.mark.parametrize("n", [1, 2])
@given(st.booleans())
def test_param_and_given(n, b):
    assert n in (1, 2)


@pytest.fixture
def fix():
    return 3


@given(st.integers())
def test_given_with_fixture(fix, x):
    assert fix == 3


@pytest.mark.asyncio
async def test_async_marked():
    await asyncio.sleep(0)


@pytest.mark.asyncio
async def test_async_marked_fails():
    await asyncio.sleep(0)
    assert False


async def test_async_unmarked():
    pass


class TestCls:
    @given(st.text())
    def test_method(self, s):
        assert isinstance(s, str)
