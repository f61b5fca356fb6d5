"""Reward amounts: decimals as moderators write them, integers of the token's smallest unit."""

from __future__ import annotations

from decimal import ROUND_DOWN, Context, Decimal

DEFAULT_DECIMALS = 18  # until the chain has told us the token's decimals
# Exact arithmetic for any amount the ledger holds (Decimal's default 28 digits round them).
EXACT = Context(prec=100)


def to_units(amount: Decimal, decimals: int) -> int:
    """`amount` tokens in the smallest unit, rounded down (never pay more than promised)."""
    scaled = EXACT.multiply(amount, Decimal(10) ** decimals)
    return int(scaled.to_integral_value(rounding=ROUND_DOWN))


def from_units(units: int, decimals: int) -> Decimal:
    return EXACT.divide(Decimal(units), Decimal(10) ** decimals)


def format_amount(units: int, decimals: int, places: int = 6) -> str:
    """A readable amount: at most `places` decimals, trailing zeros dropped."""
    value = from_units(units, decimals).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_DOWN, context=EXACT
    )
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
