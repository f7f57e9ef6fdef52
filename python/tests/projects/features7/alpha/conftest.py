import pytest


def pytest_collection_modifyitems(config, items):
    keep, dropped = [], []
    for item in items:
        item.seen = getattr(item, "seen", ()) + ("alpha",)
        item.add_marker(pytest.mark.from_alpha)
        if "needs_network" in item.name:
            item.add_marker(pytest.mark.skip(reason="alpha: no network"))
        (dropped if "obsolete" in item.name else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def pytest_markeval_namespace(config):
    return {"alpha_flag": True}
