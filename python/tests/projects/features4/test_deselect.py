def test_keep():
    pass


def test_drop_me():
    assert 0, "deselected by the conftest"


def test_cli_deselected():
    assert 0, "deselected by --deselect"


class TestSome:
    def test_drop_me_too(self):
        assert 0

    def test_stays(self):
        pass
