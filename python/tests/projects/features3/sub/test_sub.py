import pytest

pytestmark = pytest.mark.usefixtures("base")


def test_sub_flavour(flavour):
    assert flavour.startswith("s")


def test_sub_module_usefixtures(request):
    assert "base" in request.fixturenames
