"""Conftest doctests are collected with --doctest-modules (imported as the conftest).

>>> CONFTEST_VALUE
3
"""
import pytest

CONFTEST_VALUE = 3


@pytest.fixture(autouse=True)
def add_names(doctest_namespace):
    doctest_namespace["answer"] = 42
    doctest_namespace["np_like"] = [1, 2, 3]


@pytest.fixture(scope="module", autouse=True)
def per_module(request):
    # Module scope ends between a module's doctests and its regular tests.
    COUNTS.setdefault(request.node.nodeid, 0)
    COUNTS[request.node.nodeid] += 1
    yield


COUNTS = {}


@pytest.fixture
def greeting():
    return "hello"
