"""Conftest patterns that need the pytest engine (compared with real pytest)."""
import os

import pytest
from _pytest import monkeypatch as _pytest_monkeypatch

NOTSET = _pytest_monkeypatch.notset


def log(event):
    path = os.environ.get("PYENGINE_EVENTS")
    if path:
        with open(path, "a") as f:
            f.write(event + "\n")


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def pytest_report_header(config):
    return ["pyengine-header: 1"]


def pytest_collection_modifyitems(config, items):
    drop = [i for i in items if i.name.endswith("_dropped_by_hook")]
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = [i for i in items if i not in drop]


@pytest.fixture(scope="session")
def sess():
    log("session setup")
    yield "s"
    print("session teardown output (captured, as in the last test's teardown)")
    log("session teardown")


@pytest.fixture
def call_outcome(request):
    """Reads what the makereport hookwrapper stored (a common conftest pattern)."""
    yield
    log("call_outcome %s %s" % (request.node.name, request.node.rep_call.outcome))
