import pytest

pytest.register_assert_rewrite("helpers.checks")


def pytest_runtest_setup(item):
    if "needs_gpu" in item.keywords:
        pytest.skip("no gpu here")


@pytest.fixture(scope="module")
def mod_res(request):
    return request.param * 2


@pytest.fixture
def dyn(request):
    request.node.add_marker(pytest.mark.xfail(reason="dynamic"))
    return 1
