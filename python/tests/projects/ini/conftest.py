import pytest

CALLS = []


@pytest.fixture
def ini_fixture():
    CALLS.append(1)
