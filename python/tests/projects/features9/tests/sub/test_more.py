import pytest, sys
pytestmark = [pytest.mark.skipif(sys.platform == "win32", reason="no win")]

class TestA:
    @pytest.fixture(autouse=True)
    def _setup(self, tmp_path, monkeypatch):
        monkeypatch.syspath_prepend(str(tmp_path))
        (tmp_path / "modx.py").write_text("V = 3\n")
    def test_import(self):
        import modx
        assert modx.V == 3
    def test_capfdbinary(self, capfdbinary):
        import os
        os.write(1, b"hi")
        assert capfdbinary.readouterr().out == b"hi"
    def test_recwarn(self, recwarn):
        import warnings
        warnings.warn("w", UserWarning)
        assert recwarn.pop(UserWarning)

def test_getfixturevalue_param(request):
    with pytest.raises(pytest.FixtureLookupError):
        request.getfixturevalue("nonexistent")

@pytest.mark.usefixtures("num")
def test_usefixtures_param():
    pass

def test_fail_in_fixture_teardown(tmp_path_factory):
    d = tmp_path_factory.mktemp("x")
    assert d.exists()
