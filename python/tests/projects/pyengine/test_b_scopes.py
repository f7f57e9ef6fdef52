import pytest

from conftest import log


@pytest.fixture(scope="module")
def mod():
    log("module setup")
    yield
    log("module teardown")


@pytest.fixture(scope="class")
def cls():
    log("class setup")
    yield
    log("class teardown")


def test_first(mod, sess):
    log("test_first")


class TestK:
    def test_k1(self, mod, cls):
        log("test_k1")

    def test_k2(self, mod, cls):
        log("test_k2")


def test_last(mod):
    log("test_last")
