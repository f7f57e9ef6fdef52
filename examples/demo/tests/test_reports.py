import time

import pytest


@pytest.fixture(scope="module")
def sales():
    time.sleep(0.3)  # an expensive module-scoped fixture: loaded once per module
    return [("apple", 3), ("pear", 1), ("apple", 2)]


def test_best_seller(sales):
    totals = {}
    for sku, qty in sales:
        totals[sku] = totals.get(sku, 0) + qty
    assert max(totals, key=totals.get) == "apple"


@pytest.mark.parametrize("sku, expected", [("apple", 5), ("pear", 1), ("melon", 0)])
def test_units_sold(sales, sku, expected):
    time.sleep(0.2)
    assert sum(q for s, q in sales if s == sku) == expected
