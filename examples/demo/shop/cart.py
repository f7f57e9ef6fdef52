from collections import Counter

from shop.pricing import with_vat


class Cart:
    def __init__(self, catalogue):
        self._catalogue = dict(catalogue)
        self._items = Counter()

    def add(self, sku, qty=1):
        if sku not in self._catalogue:
            raise KeyError(sku)
        self._items[sku] += qty

    def remove(self, sku):
        del self._items[sku]

    def count(self):
        return sum(self._items.values())

    def total(self):
        return sum((with_vat(self._catalogue[s]) * q for s, q in self._items.items()), start=0)
