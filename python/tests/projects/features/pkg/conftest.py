import pytest

PKG_EVENTS = []


@pytest.fixture
def overridden():
    return "pkg-conftest"


@pytest.fixture(scope="package")
def pkg_res():
    PKG_EVENTS.append("setup")
    yield "pkg"
    PKG_EVENTS.append("teardown")
