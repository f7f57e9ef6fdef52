import pytest

pytest.importorskip("another_missing_module_xyz")


def test_never():
    pass
