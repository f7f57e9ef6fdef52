import pytest


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False, help="run slow tests")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: mark test as slow to run")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip_slow = pytest.mark.skip(reason="need --runslow option to run")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)
    items.sort(key=lambda i: 0 if "first" in i.name else 1)


@pytest.fixture
def base():
    return "base"


@pytest.fixture(params=[1, 2], ids=["one", "two"])
def num(request):
    return request.param


@pytest.fixture(scope="module", params=["m1", "m2"])
def modp(request):
    return request.param
