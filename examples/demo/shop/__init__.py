"""A tiny shop: prices, carts and receipts (the code under test in the demo)."""
