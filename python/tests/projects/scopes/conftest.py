import pytest

COUNTS = {"session": 0, "module": 0, "session_teardown": 0, "module_teardown": 0}


@pytest.fixture(scope="session")
def sess():
    COUNTS["session"] += 1
    yield COUNTS
    COUNTS["session_teardown"] += 1


@pytest.fixture(scope="module")
def mod():
    COUNTS["module"] += 1
    yield COUNTS
    COUNTS["module_teardown"] += 1


@pytest.fixture(scope="session")
def bad_session_teardown():
    yield
    raise RuntimeError("session teardown broke")
