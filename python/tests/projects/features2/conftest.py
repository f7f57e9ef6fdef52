import pytest

SESSION_PARAMS = []


@pytest.fixture(scope="session", params=["s1", "s2"])
def sess_param(request):
    SESSION_PARAMS.append(request.param)
    return request.param


def _dynamic_scope(fixture_name, config):
    return "module"


@pytest.fixture(scope=_dynamic_scope)
def dyn_scoped():
    return object()


@pytest.fixture()
def with_parens():
    return "parens"


def pytest_runtest_setup(item):
    item.stash["seen"] = True
    assert item.getparent(pytest.Module) is not None
    assert item.getparent(pytest.Function) is item
    assert item.getparent(pytest.Module).name.endswith(".py")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "modslow" in item.keywords:
            item.add_marker(pytest.mark.skip(reason="modslow via keywords"))
