import pytest

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("order_log")]


def test_mod_mark(request):
    assert request.node.get_closest_marker("slow") is not None


def test_raises_match():
    with pytest.raises(ValueError, match=r"bad \d+"):
        raise ValueError("bad 42")


def test_raises_fail():
    with pytest.raises(KeyError):
        pass


def test_approx():
    assert 0.1 + 0.2 == pytest.approx(0.3)
    assert [1.0, 2.0] == pytest.approx([1.0000001, 2.0])


def test_approx_fail():
    assert 1.0 == pytest.approx(1.1)


@pytest.mark.xfail(raises=ZeroDivisionError)
def test_xfail_raises():
    1 / 0


@pytest.mark.xfail(raises=ZeroDivisionError)
def test_xfail_wrong_raises():
    raise KeyError("k")


@pytest.mark.skipif("sys.platform == 'linux'", reason="string cond")
def test_skipif_str():
    pass


def test_imperative_skip():
    pytest.skip("imperative")


def test_imperative_xfail():
    pytest.xfail("imp xfail")


def test_fail_msg():
    pytest.fail("explicit failure")


def test_monkeypatch(monkeypatch):
    import os
    monkeypatch.setenv("BR_X", "1")
    monkeypatch.setattr(os, "getcwd", lambda: "/nowhere")
    assert os.getcwd() == "/nowhere"


class TestSetup:
    def setup_method(self, method):
        self.v = method.__name__

    def test_setup_method(self):
        assert self.v == "test_setup_method"
