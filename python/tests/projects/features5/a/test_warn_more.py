import os
import sys
import logging
import warnings
import pytest


@pytest.fixture
def warn_fixture():
    warnings.warn("from fixture", DeprecationWarning)
    return 1


def test_warn_in_fixture(warn_fixture):
    assert warn_fixture == 1


@pytest.mark.filterwarnings("ignore::UserWarning")
class TestFiltered:
    def test_ignored(self):
        warnings.warn("quiet", UserWarning)

    def test_other(self):
        warnings.warn("loud", RuntimeWarning)


def test_deprecated_call():
    with pytest.deprecated_call():
        warnings.warn("old", DeprecationWarning)


def test_recwarn(recwarn):
    warnings.warn("one", UserWarning)
    assert len(recwarn) == 1
    assert recwarn.pop(UserWarning).message.args[0] == "one"


def test_warns_match():
    with pytest.warns(UserWarning, match="ab+c"):
        warnings.warn("xabbbcx", UserWarning)


def test_capfd(capfd):
    os.write(1, b"fd-out\n")
    os.write(2, b"fd-err\n")
    out, err = capfd.readouterr()
    assert out == "fd-out\n" and err == "fd-err\n"


def test_capsys(capsys):
    print("hi")
    sys.stderr.write("there\n")
    c = capsys.readouterr()
    assert c.out == "hi\n" and c.err == "there\n"


def test_caplog_named(caplog):
    caplog.set_level(logging.INFO, logger="my.log")
    logging.getLogger("my.log").info("info msg")
    logging.getLogger("other").info("not captured")
    assert [r.getMessage() for r in caplog.records] == ["info msg"]
    assert "info msg" in caplog.text


def test_caplog_at_level(caplog):
    with caplog.at_level(logging.WARNING):
        logging.getLogger().warning("warned")
    assert caplog.record_tuples == [("root", logging.WARNING, "warned")]


def test_output_on_fail():
    print("printed before fail")
    assert 1 == 2
