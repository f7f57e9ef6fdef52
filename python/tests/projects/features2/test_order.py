import pytest

SEEN = []


@pytest.fixture(scope="module", params=[1, 2, 3])
def mparam(request):
    SEEN.append(("setup", request.param))
    yield request.param
    SEEN.append(("teardown", request.param))


def test_a(mparam):
    SEEN.append(("a", mparam))


def test_b(mparam):
    SEEN.append(("b", mparam))


def test_plain():
    pass


def test_check_grouping():
    # pytest groups by the module-scoped param: a1 b1 a2 b2 a3 b3
    calls = [x for x in SEEN if x[0] in ("a", "b")]
    assert calls == [("a", 1), ("b", 1), ("a", 2), ("b", 2), ("a", 3), ("b", 3)]
    assert SEEN.count(("setup", 1)) == 1


def test_session_param(sess_param):
    assert sess_param in ("s1", "s2")


def test_dynamic_scope(dyn_scoped, with_parens):
    assert with_parens == "parens"
