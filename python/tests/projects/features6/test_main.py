import unittest
import pytest


@pytest.mark.slow
def test_slow():
    pass


def test_zz_first():
    pass


def test_getfixturevalue(request):
    assert request.getfixturevalue("base") == "base"


def test_num(num):
    assert num in (1, 2)


def test_modp(modp, num):
    pass


@pytest.mark.usefixtures("base")
class TestUse:
    @pytest.fixture(autouse=True)
    def _auto(self):
        self.x = 5
        yield
        self.x = 0

    def test_auto(self):
        assert self.x == 5


@pytest.fixture
def bad_teardown():
    yield 1
    raise ValueError("teardown broke")


def test_bad_teardown(bad_teardown):
    pass


def test_capsys_disabled(capsys):
    with capsys.disabled():
        print("visible")


class UT(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.shared = 1

    def test_shared(self):
        self.assertEqual(self.shared, 1)

    @unittest.skip("ut skip")
    def test_skipped(self):
        pass

    @unittest.expectedFailure
    def test_expected(self):
        self.assertEqual(1, 2)

    @unittest.expectedFailure
    def test_unexpected_success(self):
        pass

    def test_subtest(self):
        for i in range(3):
            with self.subTest(i=i):
                self.assertLess(i, 2)


class UTBadClass(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        raise RuntimeError("setUpClass broke")

    def test_a(self):
        pass

    def test_b(self):
        pass
