"""Conftest features the native engine honours (compared with pytest in test_agreement)."""
import pytest

# Literal and computed ignores (static discovery cannot see the computed one).
collect_ignore = ["test_ignored_static.py", "ignored_dir"] + ["test_dyn_" + "ignored.py"]
collect_ignore_glob = ["*_globbed.py"]


def pytest_addoption(parser):
    group = parser.getgroup("features4")
    group.addoption("--myopt", default="one", help="a conftest option")
    parser.addoption("--count", type=int, default=0)
    parser.addoption("--flag", action="store_true")
    parser.addini("myini_bool", "a bool ini", type="bool", default=False)
    parser.addini("myini_lines", "lines", type="linelist")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: a slow test")
    config.addinivalue_line("markers", "custom(arg): a custom mark")
    config.configured_by_conftest = True


def pytest_report_header(config):
    return ["features4: myopt=%s" % config.getoption("myopt")]


def pytest_ignore_collect(collection_path, config):
    if collection_path.name == "test_hook_ignored.py":
        return True
    return None


def pytest_collection_modifyitems(config, items):
    dropped = [i for i in items if "drop_me" in i.name]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if i not in dropped]


@pytest.fixture
def from_conftest(request):
    return request.config.getoption("--myopt")


def pytest_sessionstart(session):
    session.config.session_started = True


def pytest_sessionfinish(session, exitstatus):
    import os
    out = os.environ.get("FEATURES4_SESSIONFINISH")
    if out:
        with open(out, "w") as f:
            f.write("sessionfinish %s" % exitstatus)
