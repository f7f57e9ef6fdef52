"""pytest ignores setup.py when it mentions setuptools.

>>> 1
2
"""
from setuptools import setup  # noqa: F401
