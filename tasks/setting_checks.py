"""Checks of single batch settings, each raising `BadValue` with what to fix."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from tasks.kinds import BadValue
from tasks.problems import problem


def setting_int(raw: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = raw.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadValue(
            problem(
                "settings.int_range",
                "{name} must be a whole number from {low} to {high}, got {value!r}",
                name=name,
                low=low,
                high=high,
                value=value,
            )
        )
    return value


def setting_number(
    raw: Mapping[str, Any], name: str, default: float, low: float, high: float
) -> float:
    value = raw.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise BadValue(
            problem(
                "settings.number_range",
                "{name} must be a number from {low:g} to {high:g}, got {value!r}",
                name=name,
                low=low,
                high=high,
                value=value,
            )
        )
    return float(value)


def setting_text(raw: Mapping[str, Any], name: str, limit: int) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise BadValue(
            problem(
                "settings.text",
                "{name} is required: text of 1 to {limit} characters",
                name=name,
                limit=limit,
            )
        )
    return value.strip()


def setting_bool(raw: Mapping[str, Any], name: str, default: bool) -> bool:
    value = raw.get(name, default)
    if not isinstance(value, bool):
        raise BadValue(
            problem(
                "settings.bool",
                "{name} must be true or false, got {value!r}",
                name=name,
                value=value,
            )
        )
    return value


def setting_amount(raw: Mapping[str, Any], name: str) -> Decimal:
    value = raw.get(name, "0")
    try:
        amount = Decimal(str(value)) if isinstance(value, str | int) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0:
        raise BadValue(
            problem(
                "settings.amount",
                '{name} must be a decimal amount such as "0.05", got {value!r}',
                name=name,
                value=value,
            )
        )
    return amount
