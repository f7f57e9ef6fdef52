def raises():
    """
    >>> raises()
    Traceback (most recent call last):
    ...
    ValueError: expected
    >>> int("x")
    1
    """
    raise ValueError("expected")


def many_failures():
    """
    >>> 1
    2
    >>> 2
    2
    >>> print("a\\nb\\nc\\nd")
    a
    b
    x
    d
    """


def getfixture_uses():
    """
    >>> p = getfixture("tmp_path")
    >>> p.is_dir()
    True
    >>> np_like
    [1, 2, 3]
    """
