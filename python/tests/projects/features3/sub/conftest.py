import pytest


@pytest.fixture(params=["s1", "s2", "s3"])
def flavour(request):
    return request.param
