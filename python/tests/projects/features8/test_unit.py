import unittest

EVENTS = []


def setUpModule():
    EVENTS.append("module-up")


def tearDownModule():
    EVENTS.append("module-down")


class TestSub(unittest.TestCase):
    def test_sub_ok(self):
        for i in range(3):
            with self.subTest(i=i):
                self.assertLess(i, 3)

    def test_module_setup_ran(self):
        self.assertEqual(EVENTS[0], "module-up")


@unittest.skip("whole class")
class TestSkipped(unittest.TestCase):
    def test_a(self):
        raise AssertionError("never")


class TestExpected(unittest.TestCase):
    @unittest.expectedFailure
    def test_xf(self):
        self.assertEqual(1, 2)

    def test_skip_inside(self):
        self.skipTest("inside")
