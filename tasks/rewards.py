"""Reward amounts: decimals as moderators write them, integers of the token's smallest unit."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

DEFAULT_DECIMALS = 18  # until the chain has told us the token's decimals


def to_units(amount: Decimal, decimals: int) -> int:
    """`amount` tokens in the smallest unit, rounded down (never pay more than promised)."""
    return int((amount * (Decimal(10) ** decimals)).to_integral_value(rounding=ROUND_DOWN))


def from_units(units: int, decimals: int) -> Decimal:
    return Decimal(units) / (Decimal(10) ** decimals)


def format_amount(units: int, decimals: int, places: int = 6) -> str:
    """A readable amount: at most `places` decimals, trailing zeros dropped."""
    value = from_units(units, decimals).quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
