def test_package_fixture_shared(pkg_res):
    from . import conftest
    assert conftest.PKG_EVENTS.count("setup") == 1
