import pytest


@pytest.fixture
def base(request):
    return getattr(request, "param", 10) * 2


@pytest.fixture
def other(request):
    return request.param + "!"


@pytest.fixture(autouse=True)
def add_ns(doctest_namespace):
    doctest_namespace["answer"] = 42
