from decimal import Decimal, ROUND_HALF_UP

VAT = Decimal("0.20")


def with_vat(net):
    """Gross price for a net price, rounded to cents."""
    return (Decimal(net) * (1 + VAT)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def discount(price, percent):
    if not 0 <= percent <= 100:
        raise ValueError(f"discount out of range: {percent}")
    return (Decimal(price) * (100 - percent) / 100).quantize(Decimal("0.01"))
