import pytest

TEARDOWNS = []


@pytest.fixture(params=["c1", "c2"])
def flavour(request):
    return request.param


@pytest.fixture(params=[10, 20])
def base(request):
    return request.param


@pytest.fixture(scope="session")
def sess():
    yield "sess"
    TEARDOWNS.append("sess")


@pytest.fixture(params=["x", "y"], autouse=False)
def letter(request):
    return request.param
