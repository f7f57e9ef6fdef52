import time

import pytest


@pytest.mark.timeout(1)
def test_sleeps_past_its_timeout():
    time.sleep(3)


@pytest.mark.timeout(5)
def test_within_its_timeout():
    time.sleep(0.01)
