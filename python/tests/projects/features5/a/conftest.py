import logging
import os
import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: slow tests")
    config.addinivalue_line("markers", "needs(what): needs something")


@pytest.fixture(name="renamed")
def _renamed_fixture():
    return "renamed-value"


@pytest.fixture
def over():
    return "root"


@pytest.fixture
def order_log():
    return []


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("sess")
    (d / "f.txt").write_text("hello")
    return d


@pytest.fixture
def ind(request):
    return request.param * 10


@pytest.fixture
def marker_value(request):
    m = request.node.get_closest_marker("needs")
    return m.args[0] if m else None
