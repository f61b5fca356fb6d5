"""Royalties: when a dataset built from a batch is used, its contributors keep earning.

An admin records a use of a batch's data (a licence, a sale) with a reference and an amount.
The amount is shared among the members whose answers in the batch were accepted, in proportion
to their accepted answers, to the last unit: shares are rounded down and the units left over go
one each to the largest remainders, so the shares always add up to the amount. Recording the
same reference again pays nothing more.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage import ledger
from storage import royalties as store
from storage.database import Database
from storage.ledger import Cause
from storage.notifications import enqueue
from tasks.problems import InputError, problem
from tasks.rewards import token_unit_of


@dataclass(frozen=True)
class RoyaltyShares:
    royalty_id: int
    amount: int
    shares: dict[int, int]  # profile id: units credited
    recorded_now: bool  # False when this reference had been recorded before


def split_by_contribution(amount: int, contributions: dict[int, int]) -> dict[int, int]:
    """`amount` units shared in proportion to `contributions`, adding up exactly."""
    whole = sum(contributions.values())
    shares = {who: amount * count // whole for who, count in contributions.items()}
    left = amount - sum(shares.values())
    by_remainder = sorted(
        contributions, key=lambda who: (-(amount * contributions[who] % whole), who)
    )
    for who in by_remainder[:left]:
        shares[who] += 1
    return shares


async def share_royalty(
    db: Database,
    batch_id: int,
    ref: str,
    units: int,
    reason: str,
    *,
    created_by: int | None,
    now: float,
) -> RoyaltyShares:
    """Record a royalty for a batch and credit each contributor's share, in one transaction."""
    ref, reason = ref.strip(), reason.strip()
    if not ref:
        raise InputError(problem("royalty.ref", "the reference must name the use paid for"))
    if not reason:
        raise InputError(problem("royalty.reason", "the reason must say what was paid for"))
    if units <= 0:
        raise InputError(problem("royalty.amount", "a royalty must be more than zero"))

    def job(raw: sqlite3.Connection) -> RoyaltyShares:
        title = store.batch_title(raw, batch_id)
        if title is None:
            raise InputError(problem("royalty.batch", "there is no batch {id}", id=batch_id))
        earlier = store.find_royalty(raw, batch_id, ref)
        if earlier is not None:
            if earlier.amount != units:
                raise InputError(
                    problem(
                        "royalty.ref_used",
                        "reference {ref} was recorded for batch {id} already, with another amount",
                        ref=ref,
                        id=batch_id,
                    )
                )
            return RoyaltyShares(earlier.id, units, store.shares(raw, earlier.id), False)
        contributions = store.accepted_answers_by_member(raw, batch_id)
        if not contributions:
            raise InputError(
                problem(
                    "royalty.nobody",
                    "batch {id} has no accepted answers, so there is nobody to share with",
                    id=batch_id,
                )
            )
        royalty_id = store.insert_royalty(raw, batch_id, ref, units, reason, created_by, now)
        assert royalty_id is not None
        unit = token_unit_of(raw)
        shares = split_by_contribution(units, contributions)
        for profile_id, share in shares.items():
            if share == 0:
                continue
            ledger.append(
                raw,
                profile_id=profile_id,
                amount=share,
                cause=Cause.royalty,
                now=now,
                reason=reason,
                created_by=created_by,
                royalty_id=royalty_id,
            )
            enqueue(
                raw,
                profile_id,
                "royalty.notice",
                {"batch": title, "amount": unit.show(share), "reason": reason},
                now,
            )
        return RoyaltyShares(royalty_id, units, {p: s for p, s in shares.items() if s}, True)

    return await db.write(job)
