"""Reward amounts: decimals as moderators write them, integers of the token's smallest unit."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from decimal import ROUND_DOWN, Context, Decimal

from storage import ledger
from storage.database import Database

DEFAULT_DECIMALS = 18  # until the chain has told us the token's decimals
DEFAULT_SYMBOL = "tokens"  # until the chain has told us the token's symbol ("1 token")
# Exact arithmetic for any amount the ledger holds (Decimal's default 28 digits round them).
EXACT = Context(prec=100)


def to_units(amount: Decimal, decimals: int) -> int:
    """`amount` tokens in the smallest unit, rounded down (never pay more than promised)."""
    scaled = EXACT.multiply(amount, Decimal(10) ** decimals)
    return int(scaled.to_integral_value(rounding=ROUND_DOWN))


def from_units(units: int, decimals: int) -> Decimal:
    return EXACT.divide(Decimal(units), Decimal(10) ** decimals)


def format_amount(units: int, decimals: int, places: int = 6, *, symbol: str | None = None) -> str:
    """A readable amount: at most `places` decimals, trailing zeros dropped; then the symbol."""
    value = from_units(units, decimals).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_DOWN, context=EXACT
    )
    text = f"{value:f}"
    number = text.rstrip("0").rstrip(".") if "." in text else text
    return f"{number} {symbol}" if symbol else number


@dataclass(frozen=True)
class TokenUnit:
    """How the ledger's integers read to people: the token's decimals and symbol."""

    decimals: int = DEFAULT_DECIMALS
    symbol: str = DEFAULT_SYMBOL

    def show(self, units: int, places: int = 6) -> str:
        """`units` as people read them, with the symbol: "1.5 MTK"; "1 token" while the symbol is
        not known yet."""
        one = abs(units) == 10**self.decimals
        symbol = "token" if one and self.symbol == DEFAULT_SYMBOL else self.symbol
        return format_amount(units, self.decimals, places, symbol=symbol)


def token_unit_of(raw: sqlite3.Connection) -> TokenUnit:
    """The token as the chain last described it (recorded when payouts connect)."""
    decimals = ledger.token_fact(raw, "decimals")
    symbol = ledger.token_fact(raw, "symbol")
    return TokenUnit(
        int(decimals) if decimals is not None else DEFAULT_DECIMALS, symbol or DEFAULT_SYMBOL
    )


async def token_unit(db: Database) -> TokenUnit:
    return await db.read(token_unit_of)
