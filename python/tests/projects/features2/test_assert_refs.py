"""Assertion rewriting adds no reference to a plain name (as pytest's rewriting): numpy's
test_object_cleanup_on_read_error asserts sys.getrefcount(sentinel) == 2."""
import sys


def test_refcount_of_a_local_argument():
    s = object()
    assert sys.getrefcount(s) == 2


def test_refcount_of_a_closed_over_keyword():
    s = object()

    def count(x=None):
        return sys.getrefcount(x) + (s is None)

    assert count(x=s) == 3


def test_plain_names_compare():
    x = 1
    y = 1
    assert x == y
    assert x


def test_plain_name_fails():
    x = 0
    assert x
