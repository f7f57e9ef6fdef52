"""A test module with doctests: doctests run first, as their own module.

>>> greeting_text()
'hi'
"""
import pytest

SETUPS = []


def setup_module(module):
    SETUPS.append("setup_module")


@pytest.fixture(autouse=True)
def local_auto(doctest_namespace):
    doctest_namespace["local"] = "from test module"


def greeting_text():
    """
    >>> local
    'from test module'
    >>> getfixture("greeting")
    'hello'
    >>> len(SETUPS) >= 1
    True
    """
    return "hi"


def test_regular():
    assert greeting_text() == "hi"


def test_setups_ran_twice():
    # setup_module and the module-scoped conftest fixture ran for the doctests
    # and again for the regular tests (two module nodes, as in pytest).
    assert SETUPS == ["setup_module", "setup_module"]


class TestPlain:
    """
    >>> TestPlain().value()
    1
    """

    def value(self):
        return 1

    def test_value(self):
        assert self.value() == 1
