import pytest


@pytest.fixture(autouse=True)
def sub_autouse(request):
    request.node.sub_autouse = True


@pytest.fixture
def with_parens():
    return "sub-override"
