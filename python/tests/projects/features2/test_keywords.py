import pytest

pytestmark = pytest.mark.modslow


def test_skipped_by_module_mark_keyword():
    pass


class TestInClass:
    def test_also_skipped(self):
        pass
