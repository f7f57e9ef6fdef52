import pytest


@pytest.fixture(scope="session")
def res():
    yield 1
    print("session teardown ran")


def test_first(res):
    pass


def test_exits(res):
    pytest.exit("stop here", returncode=5)


def test_never_runs():
    pass
