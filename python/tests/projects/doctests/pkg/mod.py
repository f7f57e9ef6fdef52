"""Module docstring.

>>> square(3)
9
"""
import functools
from unittest import mock


def square(x):
    """Square a number.

    >>> square(4)
    16
    >>> [square(i) for i in range(3)]
    [0, 1, 4]
    """
    return x * x


def no_examples():
    """Has a docstring but no examples: no item."""


def wrong():
    """
    >>> wrong()
    2
    """
    return 1


def _decorate(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)
    return wrapper


@_decorate
def wrapped():
    """
    >>> wrapped()
    'w'
    """
    return "w"


class Shape:
    """A class docstring.

    >>> Shape(2).area
    4
    """

    def __init__(self, side):
        self.side = side

    @property
    def area(self):
        """
        >>> Shape(3).area
        9
        """
        return self.side * self.side

    def scaled(self, k):
        """
        >>> Shape(1).scaled(5).side
        5
        """
        return Shape(self.side * k)

    @staticmethod
    def unit():
        """
        >>> Shape.unit().side
        1
        """
        return Shape(1)

    @classmethod
    def make(cls):
        """
        >>> Shape.make().side
        0
        """
        return cls(0)

    class Inner:
        """
        >>> Shape.Inner.__name__
        'Inner'
        """


class _Loop:
    """Every attribute is another _Loop: inspect.unwrap() gives up on it."""

    def __getattr__(self, name):
        return _Loop()


loop = _Loop()
mocked = mock.MagicMock()
imported_function = functools.reduce

__test__ = {
    "text": """
    >>> answer
    42
    """,
    "func": square,
}
