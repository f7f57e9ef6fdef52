import pytest

def test_pass():
    print("hello")

def test_fail():
    x = [1, 2, 3]
    assert x == [1, 2, 4]

@pytest.fixture
def f():
    yield 3

def test_fix(f, tmp_path):
    assert f == 3 and tmp_path.exists()

@pytest.mark.parametrize("a,b", [(1, 2), ("x", None)])
def test_param(a, b):
    pass

@pytest.mark.skip(reason="nope")
def test_skip():
    pass

@pytest.mark.xfail
def test_xf():
    assert 0

class TestC:
    def test_m(self):
        pass
