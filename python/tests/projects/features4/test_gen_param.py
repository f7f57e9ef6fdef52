import pytest


@pytest.mark.parametrize("a", range(4))
@pytest.mark.parametrize("b", (x * 10 for x in range(5)))
@pytest.mark.parametrize("c", iter(["p", "q"]))
def test_generators_stacked(a, b, c):
    assert b % 10 == 0


@pytest.mark.parametrize("x", (i for i in range(3)))
class TestGenOnClass:
    def test_one(self, x):
        pass

    def test_two(self, x):
        pass
