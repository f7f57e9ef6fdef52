import unittest

import pytest

LOG = []


def setUpModule():
    LOG.append("setUpModule")


def tearDownModule():
    LOG.append("tearDownModule")


class TestPlain(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.shared = [1]

    @classmethod
    def tearDownClass(cls):
        LOG.append("tearDownClass")

    def setUp(self):
        self.value = 42

    def tearDown(self):
        self.value = None

    def test_pass(self):
        self.assertEqual(self.value, 42)
        self.assertEqual(self.shared, [1])
        self.assertIn("setUpModule", LOG)

    def test_fail(self):
        self.assertEqual(1, 2)

    def test_error(self):
        raise RuntimeError("oops")

    def test_skip(self):
        self.skipTest("skipped via skipTest")

    @unittest.skip("decorator skip")
    def test_skip_decorator(self):
        pass

    @unittest.expectedFailure
    def test_expected_failure(self):
        self.assertEqual(1, 2)

    @unittest.expectedFailure
    def test_unexpected_success(self):
        pass

    def test_subtest_failure(self):
        for i in range(3):
            with self.subTest(i=i):
                self.assertLess(i, 1)

    def test_subtest_pass(self):
        for i in range(3):
            with self.subTest(i=i):
                self.assertLess(i, 5)

    @pytest.mark.skip(reason="pytest mark on unittest")
    def test_pytest_mark(self):
        pass

    def helper(self):
        pass


@unittest.skip("whole class")
class TestSkippedCase(unittest.TestCase):
    def test_one(self):
        pass


class TestBrokenSetUpClass(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        raise ValueError("setUpClass broke")

    def test_x(self):
        pass

    def test_y(self):
        pass


class TestSetUpError(unittest.TestCase):
    def setUp(self):
        raise KeyError("setUp broke")

    def test_z(self):
        pass


class TestAutouseFixture(unittest.TestCase):
    @pytest.fixture(autouse=True)
    def inject(self, tmp_path):
        self.tmp = tmp_path

    def test_has_tmp(self):
        self.assertTrue(self.tmp.exists())


class NotNamedTest(unittest.TestCase):
    def test_collected_anyway(self):
        pass


class Base(unittest.TestCase):
    def test_inherited(self):
        pass


class TestChild(Base):
    def test_own(self):
        pass


def test_module_log_after():
    assert "tearDownClass" in LOG
