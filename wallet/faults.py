"""Crash injection for the payout crash tests: kill this process at a named point.

The payout code calls `crash_point("after_sign")` and the like at the moments where a crash is
most dangerous. Nothing happens unless the environment variable `MICROTASKS_CRASH_AT` names that
point, as `NAME` (the first time it is reached) or `NAME:N` (the N-th time). The process then
sends itself SIGKILL: no `finally`, no `atexit`, no flush, exactly like a power cut of the
process (the database survives; see storage/database.py).

Points (see wallet/payouts/runner.py and wallet/payouts/broadcaster.py):
    after_plan       the run and its ledger debits are committed, nothing is signed
    after_sign       a transaction is signed and committed, not broadcast
    after_broadcast  the node accepted a transaction; the database does not know yet
    between_batches  a batch is broadcast and recorded; the next one is not signed yet
    before_receipt   a receipt is in hand; its outcome is not stored yet
    after_replace    a fee-bumped replacement is signed and committed, not broadcast
"""

from __future__ import annotations

import os
import signal

ENV = "MICROTASKS_CRASH_AT"
POINTS = frozenset(
    {
        "after_plan",
        "after_sign",
        "after_broadcast",
        "between_batches",
        "before_receipt",
        "after_replace",
    }
)

_reached: dict[str, int] = {}


def armed() -> tuple[str, int] | None:
    """The (point, n-th time) that `MICROTASKS_CRASH_AT` arms, or None."""
    spec = os.environ.get(ENV, "").strip()
    if not spec:
        return None
    name, _, count = spec.partition(":")
    if name not in POINTS or (count and not count.isdigit()):
        raise ValueError(
            f"{ENV}={spec!r}: expected NAME or NAME:N with NAME one of {', '.join(sorted(POINTS))}"
        )
    return name, int(count or 1)


def crash_point(name: str) -> None:
    """Die here by SIGKILL if `MICROTASKS_CRASH_AT` arms this point for this time."""
    assert name in POINTS, name
    target = armed()
    if target is None or target[0] != name:
        return
    _reached[name] = _reached.get(name, 0) + 1
    if _reached[name] == target[1]:
        os.kill(os.getpid(), signal.SIGKILL)
