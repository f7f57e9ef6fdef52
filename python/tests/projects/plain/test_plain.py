"""Written without pytest: must run under an interpreter that has no pytest."""
import unittest


def test_passes():
    assert [1, 2] == [1, 2]


def test_fails():
    data = {"a": 1}
    assert data == {"a": 2}


class TestGroup:
    def test_method(self):
        assert "abc".upper() == "ABC"


class TestCaseStyle(unittest.TestCase):
    def test_ok(self):
        self.assertTrue(True)

    @unittest.skip("not today")
    def test_skipped(self):
        pass

    @unittest.expectedFailure
    def test_xfail(self):
        self.fail("expected")


def helper():
    pass
