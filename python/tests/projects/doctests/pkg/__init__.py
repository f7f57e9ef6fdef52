"""A package docstring doctest.

>>> 1 + 1
2
"""
