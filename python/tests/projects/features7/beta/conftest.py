import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    for item in items:
        item.seen = getattr(item, "seen", ()) + ("beta",)
