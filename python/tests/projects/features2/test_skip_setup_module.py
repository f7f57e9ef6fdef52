import pytest


def setup_module():
    pytest.skip("setup_module skip")


def test_one():
    pass


def test_two():
    pass
