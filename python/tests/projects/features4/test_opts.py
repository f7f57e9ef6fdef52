import pytest


def test_conftest_option_values(pytestconfig, request):
    assert pytestconfig.getoption("--myopt") == "two"
    assert pytestconfig.getoption("myopt") == "two"
    assert request.config.option.count == 3
    assert pytestconfig.option.flag is False


def test_fixture_reads_option(from_conftest):
    assert from_conftest == "two"


def test_ini_types(pytestconfig):
    assert pytestconfig.getini("myini_bool") is False
    assert pytestconfig.getini("myini_lines") == []


def test_configure_ran(pytestconfig):
    assert pytestconfig.configured_by_conftest


@pytest.mark.slow
@pytest.mark.custom(1)
def test_registered_marks_pass_strict_markers():
    pass


def test_worker_id(worker_id):
    import os
    assert worker_id == os.environ.get("PYTEST_XDIST_WORKER", "master")


def test_sessionstart_ran(pytestconfig):
    assert pytestconfig.session_started
