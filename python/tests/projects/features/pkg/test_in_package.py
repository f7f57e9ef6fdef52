from . import conftest as pkg_conftest


def test_package_import():
    assert __name__ == "pkg.test_in_package"


def test_conftest_override(overridden):
    assert overridden == "pkg-conftest"


def test_package_fixture(pkg_res):
    assert pkg_res == "pkg"
    assert pkg_conftest.PKG_EVENTS.count("setup") == 1


def test_root_conftest_visible(renamed, number):
    assert renamed == "by-name"
