import pytest

from conftest import log


@pytest.fixture(scope="package")
def pkgfix():
    log("package setup")
    yield
    log("package teardown")
