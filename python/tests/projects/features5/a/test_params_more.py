import pytest


def idfn(v):
    if isinstance(v, int):
        return "i%d" % v
    return None


@pytest.mark.parametrize("x", [1, 2, "s"], ids=idfn)
def test_ids_callable(x):
    pass


@pytest.mark.parametrize("x", [
    pytest.param(1, marks=[pytest.mark.skip(reason="no")]),
    pytest.param(2, marks=[pytest.mark.xfail(reason="known")]),
    pytest.param(3, marks=pytest.mark.xfail(strict=True)),
    pytest.param(4, id="four"),
])
def test_param_marks(x):
    assert x in (1, 3, 4)


@pytest.mark.parametrize("x", [])
def test_empty(x):
    pass


@pytest.mark.parametrize("a", [1, 2])
class TestClassParam:
    @pytest.mark.parametrize("b", ["x", "y"])
    def test_both(self, a, b):
        assert a in (1, 2)

    def test_only_a(self, a):
        assert a


@pytest.mark.parametrize("x,y", [(1, 1), (2, 3)])
def test_fail_one(x, y):
    assert x == y


@pytest.mark.parametrize("obj", [object(), None, 1.5, b"by", (1, 2), {"a": 1}])
def test_obj_ids(obj):
    pass
