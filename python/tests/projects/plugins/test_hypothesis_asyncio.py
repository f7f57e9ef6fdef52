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


try:
    import pytest_asyncio
except ImportError:  # the module is only run where pytest-asyncio is installed
    pytest_asyncio = None

if pytest_asyncio is not None:
    @pytest_asyncio.fixture
    async def async_value():
        await asyncio.sleep(0)
        return 41

    @pytest_asyncio.fixture
    async def async_gen_value():
        yield 5
        await asyncio.sleep(0)

    @pytest.mark.asyncio
    async def test_async_fixture(async_value, async_gen_value):
        assert async_value + 1 == 42
        assert async_gen_value == 5

    @pytest.mark.asyncio
    async def test_same_loop(event_loop):
        assert asyncio.get_running_loop() is event_loop

    @pytest.fixture
    async def plain_async_fixture_strict():
        return 1

    def test_strict_mode_leaves_plain_async_fixture_alone(plain_async_fixture_strict):
        import inspect
        assert inspect.iscoroutine(plain_async_fixture_strict)
        plain_async_fixture_strict.close()
