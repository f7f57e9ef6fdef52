import pytest


@pytest.mark.parametrize("x", [1, 2])
def test_direct(x, shared_resource, capsys):
    pass


class TestInClass:
    @pytest.fixture
    def in_class(self):
        """Defined on the class."""
        return 1

    def test_uses(self, in_class, monkeypatch):
        pass

    def test_none(self):
        pass
