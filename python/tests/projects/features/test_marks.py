import sys
import warnings

import pytest

pytestmark = pytest.mark.modmark


@pytest.mark.skip
def test_skip_no_reason():
    pass


@pytest.mark.skip(reason="because")
def test_skip_reason():
    pass


@pytest.mark.skipif(True, reason="bool true")
def test_skipif_true():
    pass


@pytest.mark.skipif(False, reason="bool false")
def test_skipif_false():
    pass


@pytest.mark.skipif("sys.platform == 'linux'")
def test_skipif_string():
    pass


@pytest.mark.skipif("sys.version_info < (3, 0)")
def test_skipif_string_false():
    pass


@pytest.mark.skipif(True)
def test_skipif_no_reason_error():
    pass


@pytest.mark.xfail
def test_xfail_fails():
    raise ValueError


@pytest.mark.xfail
def test_xfail_passes():
    pass


@pytest.mark.xfail(strict=True, reason="strict")
def test_xfail_strict_passes():
    pass


@pytest.mark.xfail(raises=TypeError)
def test_xfail_raises_match():
    raise TypeError


@pytest.mark.xfail(raises=TypeError)
def test_xfail_raises_mismatch():
    raise ValueError


@pytest.mark.xfail(run=False, reason="not run")
def test_xfail_not_run():
    raise SystemExit(1)


@pytest.mark.xfail("sys.platform == 'linux'", reason="cond")
def test_xfail_condition():
    assert 0


@pytest.mark.xfail(False, reason="no")
def test_xfail_condition_false():
    assert 0


def test_imperative_skip():
    pytest.skip("imperative")


def test_imperative_xfail():
    pytest.xfail("imperative xfail")


def test_imperative_fail():
    pytest.fail("imperative fail")


def test_fail_no_trace():
    pytest.fail("no trace", pytrace=False)


def test_importorskip_missing():
    pytest.importorskip("module_that_does_not_exist_xyz")


def test_importorskip_present():
    mod = pytest.importorskip("json")
    assert mod.dumps(1) == "1"


@pytest.mark.filterwarnings("error::UserWarning")
def test_filterwarnings_error():
    warnings.warn("boom", UserWarning)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_filterwarnings_ignore():
    warnings.warn("quiet", UserWarning)


def test_warning_recorded():
    warnings.warn("recorded", UserWarning)


def test_deprecation_warning():
    warnings.warn("old", DeprecationWarning)


@pytest.mark.custom
def test_custom_mark(request):
    assert request.node.get_closest_marker("custom") is not None
    assert request.node.get_closest_marker("modmark") is not None


@pytest.mark.skip(reason="class skip")
class TestSkippedClass:
    def test_a(self):
        pass

    def test_b(self):
        pass


class TestClassMark:
    pytestmark = [pytest.mark.xfail(reason="class xfail")]

    def test_fails(self):
        assert 0

    def test_passes(self):
        pass


def test_unittest_skiptest():
    import unittest
    raise unittest.SkipTest("from unittest")


def test_sys_exit():
    sys.exit(3)


def test_keyboard_like_systemexit_zero():
    raise SystemExit(0)


@pytest.mark.xfail(reason="xfail with fixture error")
def test_xfail_fixture_error(no_fixture_here):
    pass
