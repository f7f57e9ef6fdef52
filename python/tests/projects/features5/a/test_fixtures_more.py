import os
import pytest


def test_renamed(renamed):
    assert renamed == "renamed-value"


def test_override_root(over):
    assert over == "root"


@pytest.mark.parametrize("over", ["param-wins"])
def test_override_by_param(over):
    assert over == "param-wins"


@pytest.mark.parametrize("ind,plain", [(1, 2), (3, 4)], indirect=["ind"])
def test_indirect_list(ind, plain):
    assert ind in (10, 30) and plain in (2, 4)


@pytest.mark.needs("network")
def test_closest_marker(marker_value):
    assert marker_value == "network"


def test_no_marker(marker_value):
    assert marker_value is None


def test_addfinalizer_order(request, order_log):
    request.addfinalizer(lambda: order_log.append(1))
    request.addfinalizer(lambda: order_log.append(2))


def test_session_tmp(session_dir):
    assert (session_dir / "f.txt").read_text() == "hello"


def test_tmp_path(tmp_path):
    p = tmp_path / "x"
    p.write_text("1")
    assert p.read_text() == "1"


class TestFinalizerFail:
    def test_fin_raises(self, request):
        def boom():
            raise RuntimeError("fin boom")
        request.addfinalizer(boom)
