import pytest

from conftest import log


@pytest.fixture(scope="package")
def pkgfix():
    log("package setup")
    yield
    log("package teardown")


def pytest_runtest_setup(item):
    # A path-scoped hook: pytest calls it for pkg/'s tests only (item.ihook), also once
    # this conftest is loaded and tests outside pkg/ run after it.
    log("pkg hook setup " + item.name)
