def all_skipped():
    """
    >>> 1  # doctest: +SKIP
    2
    >>> raise ValueError  # doctest: +SKIP
    """


def partly_skipped():
    """
    >>> 1  # doctest: +SKIP
    2
    >>> 3
    3
    """


def skip_inside():
    """
    >>> import pytest
    >>> pytest.skip("skipped from an example")
    >>> 1
    2
    """


def xfail_inside():
    """
    >>> import pytest
    >>> pytest.xfail("xfailed from an example")
    """


def fail_inside():
    """
    >>> import pytest
    >>> pytest.fail("failed from an example")
    """
