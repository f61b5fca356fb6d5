"""Hand members their next task, take their answers and skips.

`TaskEngine` is what the conversation layer, the command line and the scheduler call; it checks
answers against their kind and leaves every SQL statement to `storage`.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from storage import assignment as store
from storage.batches import BatchRow, get_batch
from storage.database import Database
from tasks.kinds import BadValue, Kind, clean_answer
from tasks.problems import InputError

Clock = Callable[[], float]


@dataclass(frozen=True)
class Member:
    profile_id: int
    platform: str


@dataclass(frozen=True)
class Batch:
    id: int
    title: str
    instructions: str
    kind: Kind
    options: dict[str, Any]
    overlap: int
    lease_seconds: int
    reward: Decimal
    min_seconds: float
    state: str

    @classmethod
    def from_row(cls, row: BatchRow) -> Batch:
        return cls(
            id=row.id,
            title=row.title,
            instructions=row.instructions,
            kind=Kind(row.kind),
            options=row.options,
            overlap=row.overlap,
            lease_seconds=row.lease_seconds,
            reward=Decimal(row.reward),
            min_seconds=row.min_seconds,
            state=row.state,
        )


@dataclass(frozen=True)
class Assignment:
    """A leased item: what to show the member and the token their answer must carry."""

    token: str
    batch: Batch
    item_id: int
    external_id: str
    payload: dict[str, Any]
    is_gold: bool
    leased_at: float
    expires_at: float
    resumed: bool
    first_in_batch: bool


@dataclass(frozen=True)
class Receipt:
    """What happened to a submitted answer."""

    status: store.SubmitStatus
    counted: bool = False
    late: bool = False
    answer_id: int | None = None
    batch_id: int | None = None
    item_id: int | None = None

    @property
    def stored(self) -> bool:
        """The answer is in the database (new now, or stored by an earlier identical submit)."""
        return self.status in (store.SubmitStatus.stored, store.SubmitStatus.duplicate)

    @property
    def surplus(self) -> bool:
        return self.stored and not self.counted


class LeaseGone(Exception):
    """The token names no lease of this member: a stale or someone else's button."""

    def __init__(self, status: store.SubmitStatus = store.SubmitStatus.not_found):
        super().__init__(status.value)
        self.status = status


def new_token() -> str:
    return secrets.token_urlsafe(12)


class TaskEngine:
    def __init__(self, db: Database, *, clock: Clock = time.time, rng: random.Random | None = None):
        self.db = db
        self.clock = clock
        self.rng = rng or random.Random()
        self._batches: dict[int, Batch] = {}

    async def batch(self, batch_id: int) -> Batch:
        """A batch's definition (its options never change after import, so it is cached)."""
        cached = self._batches.get(batch_id)
        if cached is None:
            row = await get_batch(self.db, batch_id)
            if row is None:
                raise LookupError(f"no batch {batch_id}")
            cached = self._batches[batch_id] = Batch.from_row(row)
        return cached

    async def next_task(self, member: Member, batch_id: int | None = None) -> Assignment | None:
        """The member's current task, or a newly leased one, or None when nothing is open."""
        lease = await store.claim_next(
            self.db,
            store.ClaimRequest(
                profile_id=member.profile_id,
                platform=member.platform,
                now=self.clock(),
                token=new_token(),
                gold_draw=self.rng.random(),
                batch_id=batch_id,
            ),
        )
        return None if lease is None else await self._assignment(lease)

    async def current_task(self, member: Member) -> Assignment | None:
        """The task the member holds now, if any (claims nothing new)."""
        lease = await store.held_lease(self.db, member.profile_id, self.clock())
        return None if lease is None else await self._assignment(lease)

    async def _assignment(self, lease: store.Lease) -> Assignment:
        return Assignment(
            token=lease.token,
            batch=await self.batch(lease.batch_id),
            item_id=lease.item_id,
            external_id=lease.external_id,
            payload=lease.payload,
            is_gold=lease.is_gold,
            leased_at=lease.created_at,
            expires_at=lease.expires_at,
            resumed=lease.resumed,
            first_in_batch=lease.first_in_batch,
        )

    async def lease_batch(self, member: Member, token: str) -> Batch:
        """The batch of a lease the member holds (live or not); `LeaseGone` otherwise."""
        owner = await store.find_lease_owner(self.db, token)
        if owner is None:
            raise LeaseGone(store.SubmitStatus.not_found)
        if owner["profile_id"] != member.profile_id:
            raise LeaseGone(store.SubmitStatus.not_yours)
        return await self.batch(owner["batch_id"])

    async def submit(self, member: Member, token: str, value: Any) -> Receipt:
        """Check and store an answer. Bad values raise `InputError` and store nothing."""
        batch = await self.lease_batch(member, token)
        try:
            cleaned = clean_answer(batch.kind, value, batch.options)
        except BadValue as error:
            raise InputError(error.problem) from None
        outcome = await store.submit_answer(
            self.db, token, member.profile_id, cleaned, self.clock()
        )
        if outcome.status in (
            store.SubmitStatus.not_found,
            store.SubmitStatus.not_yours,
            store.SubmitStatus.skipped,
        ):
            raise LeaseGone(outcome.status)
        return Receipt(
            outcome.status,
            outcome.counted,
            outcome.late,
            outcome.answer_id,
            outcome.batch_id,
            outcome.item_id,
        )

    async def skip(self, member: Member, token: str) -> None:
        status = await store.skip_lease(self.db, token, member.profile_id, self.clock())
        if status in (store.SubmitStatus.not_found, store.SubmitStatus.not_yours):
            raise LeaseGone(status)

    async def stop(self, member: Member) -> int:
        """Give back the member's live leases; returns how many."""
        return await store.release_leases(self.db, member.profile_id)
