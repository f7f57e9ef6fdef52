import pytest

@pytest.fixture(scope="module")
def m():
    yield 1

@pytest.fixture(params=[1, "a"])
def p(request, m):
    return request.param

def test_a(p, tmp_path):
    pass

def test_b(m):
    pass
