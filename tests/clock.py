"""A clock the tests move by hand, instead of sleeping."""

from __future__ import annotations


class ManualClock:
    def __init__(self, start: float = 1_780_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
