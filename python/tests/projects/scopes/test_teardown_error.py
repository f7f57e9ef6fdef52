import pytest


@pytest.fixture(scope="module")
def bad_module_teardown():
    yield
    raise RuntimeError("module teardown broke")


def test_first(bad_module_teardown):
    pass


def test_last(bad_module_teardown):
    pass
