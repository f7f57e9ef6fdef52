import pytest

EVENTS = []


@pytest.fixture(scope="session")
def session_res():
    EVENTS.append("session-setup")
    yield {"name": "session"}
    EVENTS.append("session-teardown")


@pytest.fixture(autouse=True)
def auto_marker(request):
    request.node.auto_used = True
    yield


@pytest.fixture(params=[1, 2], ids=["one", "two"])
def number(request):
    return request.param


@pytest.fixture
def overridden():
    return "conftest"


@pytest.fixture
def base_value():
    return 10


@pytest.fixture(name="renamed")
def _renamed_impl():
    return "by-name"


@pytest.fixture
def events():
    return EVENTS
