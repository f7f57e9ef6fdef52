import pytest, unittest, warnings

class DescribeThing:
    def it_works(self, num):
        assert num in (1, 2)
    def it_slowish(self):
        pass

class TestUnit(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        raise unittest.SkipTest("class skipped in setUpClass")
    def test_x(self):
        pass

class TestUnit2(unittest.TestCase):
    def setUp(self):
        self.addCleanup(lambda: None)
    def test_fail(self):
        self.assertEqual(1, 2)
    @unittest.skipIf(True, "skipif dec")
    def test_skip(self):
        pass
    def test_sub(self):
        for i in range(3):
            with self.subTest(i=i):
                self.assertLess(i, 2)

def test_warns_none():
    with pytest.warns(None):
        pass

def test_deprecated_call():
    with pytest.deprecated_call():
        warnings.warn("x", DeprecationWarning)

@pytest.mark.parametrize("a", [pytest.param(1, marks=pytest.mark.xfail(raises=ZeroDivisionError, strict=True)), 2])
def test_xf(a):
    1 / (a - 1)

def test_yield_fixture_error(request):
    request.addfinalizer(lambda: 1 / 0)
