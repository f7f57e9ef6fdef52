import pytest
from helpers.checks import check_eq


@pytest.mark.needs_gpu
def test_gpu():
    pass


@pytest.mark.parametrize("mod_res", [1, 2], indirect=True, scope="module")
def test_mod_res(mod_res):
    assert mod_res in (2, 4)


def test_dyn_xfail(dyn):
    assert 0


def test_helper_rewrite():
    check_eq(1, 2)


def test_importorskip():
    pytest.importorskip("nonexistent_mod_xyz")


def test_importorskip_ok():
    mod = pytest.importorskip("json", minversion="1.0")
    assert mod


class TestOuter:
    class TestInner:
        def test_nested(self):
            pass

    @staticmethod
    def test_static():
        pass

    @classmethod
    def test_classmethod(cls):
        pass


class TestNotCollected:
    __test__ = False

    def test_x(self):
        assert 0


def test_tmpdir(tmpdir):
    tmpdir.join("f").write("x")
    assert tmpdir.join("f").read() == "x"


def test_request_fixturenames(request):
    assert "request" in request.fixturenames


@pytest.fixture(params=[pytest.param(0, marks=pytest.mark.skip(reason="p0")), 1])
def pmark(request):
    return request.param


def test_fixture_param_mark(pmark):
    assert pmark == 1


def test_raises_excinfo():
    with pytest.raises(ZeroDivisionError) as ei:
        1 / 0
    assert ei.type is ZeroDivisionError
    assert "division" in str(ei.value)


def test_skip_in_fixture(skipper):
    pass


@pytest.fixture
def skipper():
    pytest.skip("from fixture")


@pytest.fixture
def failing_fix():
    raise RuntimeError("fixture broke")


def test_fixture_error(failing_fix):
    pass


def test_missing_fixture(no_such_fixture):
    pass
