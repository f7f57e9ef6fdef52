"""Generators of the synthetic suites that bench/side_by_side.py times.

Each generator writes a self-contained pytest project into a directory it is
given (always a temporary one: generated suites are never committed) and
returns a small description of what it wrote.
"""
