import logging
import os
import sys
import warnings

import pytest


def test_tmp_path(tmp_path):
    p = tmp_path / "f.txt"
    p.write_text("hi")
    assert p.read_text() == "hi"


def test_tmp_path_unique(tmp_path, tmp_path_factory):
    other = tmp_path_factory.mktemp("data")
    assert other != tmp_path and other.is_dir()


def test_tmpdir(tmpdir):
    f = tmpdir.join("x.txt")
    f.write("content")
    assert f.read() == "content"


class Obj:
    attr = 1


def test_monkeypatch_setattr(monkeypatch):
    monkeypatch.setattr(Obj, "attr", 2)
    assert Obj.attr == 2
    monkeypatch.setattr("os.getcwd", lambda: "/fake")
    assert os.getcwd() == "/fake"


def test_monkeypatch_undone():
    assert Obj.attr == 1
    assert os.getcwd() != "/fake"


def test_monkeypatch_env(monkeypatch):
    monkeypatch.setenv("FASTEST_TEST_VAR", "1")
    assert os.environ["FASTEST_TEST_VAR"] == "1"
    monkeypatch.setenv("FASTEST_TEST_VAR", "0", prepend=":")
    assert os.environ["FASTEST_TEST_VAR"] == "0:1"
    monkeypatch.delenv("HOME_THAT_DOES_NOT_EXIST", raising=False)


def test_monkeypatch_env_undone():
    assert "FASTEST_TEST_VAR" not in os.environ


def test_monkeypatch_items(monkeypatch):
    d = {"a": 1}
    monkeypatch.setitem(d, "b", 2)
    monkeypatch.delitem(d, "a")
    assert d == {"b": 2}
    monkeypatch.undo()
    assert d == {"a": 1}


def test_monkeypatch_delattr(monkeypatch):
    monkeypatch.delattr(Obj, "attr")
    assert not hasattr(Obj, "attr")
    with pytest.raises(AttributeError):
        monkeypatch.delattr(Obj, "nope")


def test_monkeypatch_chdir_syspath(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert os.getcwd() == str(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert sys.path[0] == str(tmp_path)


def test_monkeypatch_context():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Obj, "attr", 5)
        assert Obj.attr == 5
    assert Obj.attr == 1


def test_capsys(capsys):
    print("out")
    sys.stderr.write("err\n")
    out, err = capsys.readouterr()
    assert out == "out\n"
    assert err == "err\n"
    print("again")
    assert capsys.readouterr().out == "again\n"


def test_capsysbinary(capsysbinary):
    print("bin")
    assert capsysbinary.readouterr().out == b"bin\n"


def test_capfd(capfd):
    os.write(1, b"fd-out\n")
    print("py-out")
    out, err = capfd.readouterr()
    assert "fd-out" in out and "py-out" in out


def test_capfdbinary(capfdbinary):
    os.write(2, b"\xff")
    assert capfdbinary.readouterr().err == b"\xff"


def test_caplog(caplog):
    logging.getLogger("x").warning("a warning %d", 1)
    assert caplog.messages == ["a warning 1"]
    assert caplog.record_tuples == [("x", logging.WARNING, "a warning 1")]
    with caplog.at_level(logging.INFO):
        logging.getLogger("x").info("info")
    assert "info" in caplog.text
    caplog.clear()
    assert caplog.records == []


def test_caplog_set_level(caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("y").debug("dbg")
    assert caplog.messages == ["dbg"]


def test_recwarn(recwarn):
    warnings.warn("w1", UserWarning)
    assert len(recwarn) == 1
    w = recwarn.pop(UserWarning)
    assert str(w.message) == "w1"


def test_pytestconfig(pytestconfig):
    assert pytestconfig.getoption("verbose", 0) is not None
    assert pytestconfig.rootpath.is_dir()


def test_doctest_namespace(doctest_namespace):
    doctest_namespace["x"] = 1
    assert doctest_namespace["x"] == 1


def test_raises_match():
    with pytest.raises(ValueError, match="bad"):
        raise ValueError("very bad")


def test_raises_no_exception():
    with pytest.raises(ValueError):
        pass


def test_warns():
    with pytest.warns(UserWarning, match="hi"):
        warnings.warn("hi there", UserWarning)


def test_deprecated_call():
    with pytest.deprecated_call():
        warnings.warn("dep", DeprecationWarning)


def test_approx():
    assert 0.1 + 0.2 == pytest.approx(0.3)
    assert [0.1 + 0.2] == pytest.approx([0.3])


def test_approx_fails():
    assert 1.0 == pytest.approx(1.1)


def test_output_then_fail():
    print("captured before failure")
    assert False
