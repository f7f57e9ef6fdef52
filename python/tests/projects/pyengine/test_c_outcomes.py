import pytest


@pytest.mark.xfail(strict=True, reason="strict")
def test_xpass_strict():
    pass


@pytest.mark.xfail(reason="known")
def test_xfail():
    assert 0


@pytest.mark.xfail(reason="lucky")
def test_xpass():
    pass


@pytest.mark.skip(reason="not today")
def test_skip():
    pass


@pytest.fixture
def broken_setup():
    raise RuntimeError("setup boom")


@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("teardown boom")


def test_setup_error(broken_setup):
    pass


def test_teardown_error(broken_teardown):
    pass


def test_fail_and_teardown_error(broken_teardown):
    assert False


def test_output(record_property):
    print("to stdout")
    record_property("answer", 42)


@pytest.mark.parametrize("n", [1, 2])
def test_param(n):
    assert n == 1
