import logging
import os
import sys
import warnings

import pytest

np = pytest.importorskip("json", minversion="0.0")


def idfn(v):
    return "v%s" % (v,) if isinstance(v, int) else None


@pytest.mark.parametrize("n", [1, 2, "x"], ids=idfn)
def test_ids_callable(n):
    assert n


@pytest.mark.parametrize("a", [
    1,
    pytest.param(2, marks=[pytest.mark.xfail(reason="two"), pytest.mark.slow]),
    pytest.param(3, marks=pytest.mark.skip(reason="three"), id="third"),
])
def test_param_marks(a):
    assert a != 2


@pytest.mark.parametrize("x", [])
def test_empty(x):
    pass


@pytest.mark.parametrize("base, other", [(1, "a"), (2, "b")], indirect=["base", "other"])
def test_indirect_list(base, other):
    assert base in (2, 4) and other.endswith("!")


@pytest.mark.parametrize("base", [5], indirect=True)
def test_indirect_true(base):
    assert base == 10


@pytest.mark.parametrize("c", [1, 2])
class TestClassParams:
    @pytest.mark.parametrize("m", ["p", "q"])
    def test_both(self, c, m):
        assert c in (1, 2) and m in "pq"

    def test_only_class(self, c):
        assert c < 3


@pytest.mark.filterwarnings("ignore::UserWarning")
class TestWarnings:
    def test_ignored_on_class(self):
        warnings.warn("quiet", UserWarning)


def test_user_warning_is_error():
    with pytest.raises(UserWarning):
        warnings.warn("loud", UserWarning)


def test_recwarn(recwarn):
    warnings.warn("dep", DeprecationWarning)
    assert len(recwarn) == 1 and recwarn.pop(DeprecationWarning)


def test_capfd_os_write(capfd):
    os.write(1, b"raw out\n")
    os.write(2, b"raw err\n")
    out, err = capfd.readouterr()
    assert out == "raw out\n" and err == "raw err\n"


def test_caplog_named_logger(caplog):
    caplog.set_level(logging.INFO, logger="app.db")
    logging.getLogger("app.db").info("connected")
    logging.getLogger("app.web").info("ignored")
    assert [r.getMessage() for r in caplog.records] == ["connected"]


def test_fail_no_trace():
    pytest.fail("plain failure", pytrace=False)


def test_doctest_ns_fixture(doctest_namespace):
    assert doctest_namespace["answer"] == 42


@pytest.mark.skipif(sys.version_info < (3, 0), reason="py2")
def test_skipif_false():
    pass
