import pytest

@pytest.fixture(scope="session", autouse=True)
def sess():
    yield 1

@pytest.fixture(params=[1, 2], ids=lambda p: f"p{p}")
def num(request):
    return request.param

def pytest_collection_modifyitems(config, items):
    for it in items:
        if "slowish" in it.name:
            it.add_marker(pytest.mark.slow)
            it.add_marker(pytest.mark.skip(reason="slowish skipped"))
