import unittest

log = []


class TestXunitOnTestCase(unittest.TestCase):
    @classmethod
    def setup_class(cls):
        log.append("setup_class")
        cls.shared = 5

    @classmethod
    def setUpClass(cls):
        log.append("setUpClass")

    def setup_method(self, method):
        log.append("setup_method:" + method.__name__)
        self.per_test = 6

    def setUp(self):
        log.append("setUp")

    def test_sees_both(self):
        assert self.shared == 5
        assert self.per_test == 6
        assert log[:4] == ["setup_class", "setUpClass", "setup_method:test_sees_both", "setUp"]

    def teardown_method(self, method):
        log.append("teardown_method")

    @classmethod
    def teardown_class(cls):
        log.append("teardown_class")


def test_after_the_class():
    assert log[-1] == "teardown_class", log
    assert "teardown_method" in log
