"""Slow tests standing in for I/O-bound work (uneven durations on purpose)."""
import time

import pytest


@pytest.mark.slow
def test_restock_feed():
    time.sleep(1.2)


@pytest.mark.slow
def test_nightly_inventory():
    time.sleep(0.6)


def test_quick_lookup():
    time.sleep(0.05)
