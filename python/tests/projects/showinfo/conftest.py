def pytest_configure(config):
    config.addinivalue_line("markers", "mine(x): my marker")


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def shared_resource():
    """A session resource from the conftest.

    Second paragraph, shown with -v only."""
    return {}
