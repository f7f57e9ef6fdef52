"""Option flags from the ini file, and inline directives."""


def whitespace():
    """NORMALIZE_WHITESPACE and ELLIPSIS come from doctest_optionflags.

    >>> list(range(20))
    [0,   1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
     15, 16, 17, 18, 19]
    >>> "abcdefghij"
    'abc...hij'
    """


def literals():
    """ALLOW_UNICODE and ALLOW_BYTES.

    >>> "text"
    u'text'
    >>> b"raw"
    'raw'
    >>> {"a": b"b"}
    {'a': 'b'}
    """


def numbers():
    """NUMBER is not in the ini: inline only.

    >>> 3.14159  # doctest: +NUMBER
    3.14
    >>> [1.0001, 2.9999]  # doctest: +NUMBER
    [1.0, 3.0]
    >>> 1e-3  # doctest: +NUMBER
    0.001
    >>> 2.5  # doctest: +NUMBER
    2.4
    """


def numbers_without_flag():
    """
    >>> 3.14159
    3.14
    """


def disable_inline():
    """
    >>> "abcdef"  # doctest: -ELLIPSIS
    'ab...'
    """


def exception_detail():
    """
    >>> raise ValueError("one")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ValueError: two
    """


def blankline():
    """
    >>> print("a\\n\\nb")
    a
    <BLANKLINE>
    b
    """
