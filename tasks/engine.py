"""Hand members their next task, take their answers and skips.

`TaskEngine` is what the conversation layer, the command line and the scheduler call; it checks
answers against their kind and leaves every SQL statement to `storage`.
"""

from __future__ import annotations

import random
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from storage import assignment as store
from storage import quality as quality_store
from storage.batches import get_batch
from storage.database import Database
from tasks.duplicates import DUPLICATE_TEXT, is_near_duplicate, normalise_text
from tasks.eligibility import batch_filter
from tasks.kinds import BadValue, Kind, clean_answer
from tasks.language import wrong_language
from tasks.model import Batch, Member
from tasks.problems import InputError
from tasks.quality import Verdict, judge, surplus

Clock = Callable[[], float]


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
    verdict: Verdict | None = None  # None for a repeated submit of an answer already stored

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
        self._text_keys: dict[int | None, list[str]] = {}

    async def batch(self, batch_id: int) -> Batch:
        """A batch's definition (its options never change after import, so it is cached)."""
        cached = self._batches.get(batch_id)
        if cached is None:
            row = await get_batch(self.db, batch_id)
            if row is None:
                raise LookupError(f"no batch {batch_id}")
            cached = self._batches[batch_id] = Batch.from_row(row)
        return cached

    async def next_task(
        self, member: Member, batch_id: int | None = None, *, only: bool = False
    ) -> Assignment | None:
        """The member's current task, or a newly leased one, or None when nothing is open.

        With `only`, a new task comes from `batch_id` alone (a member keeping to their batch).
        """
        now = self.clock()
        request = store.ClaimRequest(
            profile_id=member.profile_id,
            platform=member.platform,
            now=now,
            token=new_token(),
            gold_draw=self.rng.random(),
            batch_id=batch_id,
            only=only and batch_id is not None,
        )

        def job(raw: sqlite3.Connection) -> store.Lease | None:
            may_serve = batch_filter(raw, member.profile_id, now)
            return store.claim(raw, request, may_serve)

        lease = await self.db.write(job)
        return None if lease is None else await self._assignment(lease)

    async def closed_to(self, member: Member, batch_id: int) -> str | None:
        """Why `batch_id` cannot serve this member (a message key), or None when it may."""
        row = await get_batch(self.db, batch_id)
        if row is None:
            return "task.batch_missing"
        if row.state == "draft":
            return "task.batch_draft"
        if row.state == "paused":
            return "task.batch_paused"
        if row.state == "closed":
            return "task.batch_closed"
        if row.audience and member.platform not in row.audience:
            return "task.batch_platform"
        removed = await self.db.read(
            lambda raw: quality_store.is_banned(raw, batch_id, member.profile_id)
        )
        if removed:
            return "task.batch_removed"
        return None

    async def chosen_batch(self, member: Member) -> int | None:
        return await store.chosen_batch(self.db, member.profile_id)

    async def choose_batch(self, member: Member, batch_id: int | None) -> None:
        await store.choose_batch(self.db, member.profile_id, batch_id)

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
        """Check, store and judge an answer, in one transaction.

        Bad values (and copied texts) raise `InputError` and store nothing.
        """
        batch = await self.lease_batch(member, token)
        try:
            cleaned = clean_answer(batch.kind, value, batch.options)
        except BadValue as error:
            raise InputError(error.problem) from None
        text_key = None
        if batch.kind is Kind.text:
            text_key = normalise_text(cleaned)
            if batch.quality.language is not None:
                wrong = wrong_language(cleaned, batch.quality.language)
                if wrong is not None:
                    raise InputError(wrong)
            await self._refuse_near_duplicate(batch, text_key)
        scope = _duplicate_scope(batch)
        now = self.clock()

        def job(raw: sqlite3.Connection) -> tuple[store.SubmitOutcome, Verdict | None]:
            if (
                text_key is not None
                and scope is not NO_CHECK
                and quality_store.exact_duplicate(raw, scope, text_key)
            ):
                raise InputError(DUPLICATE_TEXT)
            outcome = store.submit(raw, token, member.profile_id, cleaned, now)
            if outcome.status is not store.SubmitStatus.stored or outcome.answer_id is None:
                return outcome, None
            if text_key is not None:
                quality_store.set_text_key(raw, outcome.answer_id, text_key)
            if not outcome.counted:
                return outcome, surplus(raw, outcome.answer_id, now)
            return outcome, judge(raw, batch, outcome.answer_id, now)

        outcome, verdict = await self.db.write(job)
        if outcome.status in (
            store.SubmitStatus.not_found,
            store.SubmitStatus.not_yours,
            store.SubmitStatus.skipped,
            store.SubmitStatus.released,
        ):
            raise LeaseGone(outcome.status)
        if text_key is not None and outcome.status is store.SubmitStatus.stored:
            for loaded in (batch.id, None):  # the batch's texts, and everybody's
                if loaded in self._text_keys:
                    self._text_keys[loaded].append(text_key)
        return Receipt(
            outcome.status,
            outcome.counted,
            outcome.late,
            outcome.answer_id,
            outcome.batch_id,
            outcome.item_id,
            verdict,
        )

    async def _refuse_near_duplicate(self, batch: Batch, key: str) -> None:
        """Refuse a text close to any earlier one, rejected ones too, within the batch's scope.

        The earlier texts are read once per scope and then kept up to date by this engine.
        """
        scope = _duplicate_scope(batch)
        if scope is NO_CHECK:
            return
        known = self._text_keys.get(scope)
        if known is None:
            known = self._text_keys[scope] = await self.db.read(
                lambda raw: quality_store.text_keys(raw, scope)
            )
        if is_near_duplicate(key, known, batch.quality.duplicate_similarity):
            raise InputError(DUPLICATE_TEXT)

    async def skip(self, member: Member, token: str) -> None:
        status = await store.skip_lease(self.db, token, member.profile_id, self.clock())
        if status in (store.SubmitStatus.not_found, store.SubmitStatus.not_yours):
            raise LeaseGone(status)

    async def stop(self, member: Member) -> int:
        """Give back the member's live leases; returns how many."""
        return await store.release_leases(self.db, member.profile_id)


NO_CHECK = -1  # a batch whose texts are not checked for copies


def _duplicate_scope(batch: Batch) -> int | None:
    """Where copies are looked for: the batch's id, None for every batch, or NO_CHECK."""
    scope = batch.quality.duplicate_scope
    return batch.id if scope == "batch" else None if scope == "all" else NO_CHECK
