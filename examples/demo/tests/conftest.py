import pytest

from shop.cart import Cart


@pytest.fixture
def catalogue():
    return {"apple": "0.50", "pear": "0.75", "melon": "2.10"}


@pytest.fixture
def cart(catalogue):
    return Cart(catalogue)
