import pytest


@pytest.fixture
def over():
    return "sub"


def test_override_sub(over):
    assert over == "sub"


def test_doctest_ns(doctest_namespace):
    doctest_namespace["x"] = 1
