import enum
import re

import pytest


class Color(enum.Enum):
    RED = 1
    GREEN = 2


class Thing:
    pass


def a_function():
    pass


@pytest.mark.parametrize("x", [0, 1])
@pytest.mark.parametrize("y", [2, 3])
def test_stacked(x, y):
    assert x < y


@pytest.mark.parametrize(
    "value",
    [1, 2.5, -3, None, True, False, "text", "", b"bytes", "ünïcode", "tab\there", "new\nline",
     1 + 2j, Color.RED, re.compile("a+b"), Thing, a_function, Thing(), [1, 2], (3,), {"a": 1},
     float("nan"), float("inf"), object],
)
def test_id_types(value):
    pass


@pytest.mark.parametrize("a", [1, 1, 2, 1])
def test_duplicate_ids(a):
    pass


@pytest.mark.parametrize("a,b", [(1, 2), (3, 4)], ids=["first", "second"])
def test_ids_list(a, b):
    assert a < b


@pytest.mark.parametrize("a", [1, 2, 3], ids=["x", None, "x"])
def test_ids_list_partial(a):
    pass


@pytest.mark.parametrize("a", [10, 20], ids=lambda v: "v%d" % v)
def test_ids_callable(a):
    pass


@pytest.mark.parametrize("a", [10, Thing()], ids=lambda v: None)
def test_ids_callable_none(a):
    pass


@pytest.mark.parametrize(
    "a",
    [
        pytest.param(1, id="one"),
        pytest.param(2, marks=pytest.mark.xfail(reason="expected")),
        pytest.param(3, marks=[pytest.mark.skip(reason="skip me")]),
        pytest.param(4, marks=pytest.mark.xfail(strict=True)),
    ],
)
def test_param_objects(a):
    assert a != 2
    assert a != 4


@pytest.fixture
def doubled(request):
    return request.param * 2


@pytest.mark.parametrize("doubled", [1, 5], indirect=True)
def test_indirect(doubled):
    assert doubled % 2 == 0


@pytest.fixture
def tripled(request):
    return request.param * 3


@pytest.mark.parametrize("tripled,plain", [(1, 1), (2, 2)], indirect=["tripled"])
def test_indirect_list(tripled, plain):
    assert tripled == plain * 3


@pytest.mark.parametrize("x", [])
def test_empty_parameter_set(x):
    pass


@pytest.mark.parametrize("x", [1, 2], scope="module")
def test_scoped_param(x):
    pass


@pytest.mark.parametrize(("p", "q"), [(1, 2)])
def test_tuple_argnames(p, q):
    assert p + 1 == q


@pytest.mark.parametrize(["p"], [(5,)])
def test_list_argnames(p):
    assert p == 5


@pytest.mark.parametrize("x", [1, 2])
def test_with_param_fixture(x, number):
    assert x and number


class TestParamClass:
    @pytest.mark.parametrize("v", ["a", "b"])
    def test_method(self, v):
        assert v in "ab"


pytestmark_values = [1, 2]


@pytest.mark.parametrize("n", [1, 2, 3])
def test_some_fail(n):
    assert n != 2
