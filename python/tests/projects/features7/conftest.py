import pytest


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    for item in items:
        item.seen = getattr(item, "seen", ()) + ("root",)


_SETUPS = []


@pytest.fixture(scope="package")
def root_package_fixture():
    # Defined outside any package: pytest 7.2 gives it the session's scope.
    _SETUPS.append(1)
    yield len(_SETUPS)
