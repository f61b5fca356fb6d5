"""Leases and answers: the claim + submit cycle, each step one job on the writer connection.

Invariants kept here (and tested):
- an item never has more counted answers than its overlap: a slot is leased only while
  `free_slots > 0`, and a late answer counts only if the item still has a free slot;
- nobody answers an item twice (a unique index), and a repeated submit returns the first answer;
- an expired lease frees its slot at the next claim or submit, so no sweeper is needed.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from storage.bans import is_banned
from storage.batches import activate_due
from storage.database import Database

DAY = 86400.0
BatchFilter = Callable[[int, str], bool]  # (batch id, its settings as stored JSON)


@dataclass(frozen=True)
class ClaimRequest:
    profile_id: int
    platform: str
    now: float
    token: str
    gold_draw: float  # uniform in [0, 1): below a batch's gold_rate means a gold item first
    batch_id: int | None = None  # a batch the member asked for, tried first
    only: bool = False  # with batch_id: that batch or nothing


@dataclass(frozen=True)
class Lease:
    id: int
    token: str
    item_id: int
    batch_id: int
    external_id: str
    payload: dict[str, Any]
    is_gold: bool
    created_at: float
    expires_at: float
    resumed: bool
    first_in_batch: bool


class SubmitStatus(StrEnum):
    stored = "stored"  # a new answer was stored (counted or surplus)
    duplicate = "duplicate"  # this member already answered this item: nothing new stored
    not_found = "not_found"  # no such lease
    not_yours = "not_yours"  # the lease belongs to another member
    skipped = "skipped"  # the member skipped this item
    released = "released"  # the member gave the task back (/stop)


@dataclass(frozen=True)
class SubmitOutcome:
    status: SubmitStatus
    answer_id: int | None = None
    counted: bool = False
    late: bool = False
    batch_id: int | None = None
    item_id: int | None = None


def sweep_expired(raw: sqlite3.Connection, now: float) -> int:
    """End live leases whose time is up, so their slots are offered again; how many ended."""
    return raw.execute(
        "UPDATE leases SET state = 'expired' WHERE state = 'live' AND expires_at <= ?", (now,)
    ).rowcount


LEASE_SELECT = (
    "SELECT l.id, l.token, l.item_id, l.batch_id, i.external_id, i.payload, i.is_gold,"
    " l.created_at, l.expires_at FROM leases l JOIN items i ON i.id = l.item_id"
)

CLAIM_SQL = """
INSERT INTO leases (token, item_id, batch_id, profile_id, created_at, expires_at)
SELECT :token, i.id, i.batch_id, :member, :now, :now + :lease_seconds
FROM items i
WHERE i.batch_id = :batch AND i.is_gold = :gold AND i.free_slots > 0
  AND (i.author_id IS NULL OR i.author_id <> :member)
  AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.item_id = i.id AND a.profile_id = :member)
  AND NOT EXISTS (SELECT 1 FROM skips s WHERE s.item_id = i.id AND s.profile_id = :member)
  AND NOT EXISTS (
      SELECT 1 FROM leases o WHERE o.item_id = i.id AND o.profile_id = :member
      AND o.state = 'live')
ORDER BY i.free_slots, i.id
LIMIT 1
RETURNING id
"""


def _lease(raw: sqlite3.Connection, lease_id: int, *, resumed: bool, profile_id: int) -> Lease:
    row = raw.execute(f"{LEASE_SELECT} WHERE l.id = ?", (lease_id,)).fetchone()
    answered_before = raw.execute(
        "SELECT EXISTS (SELECT 1 FROM answers WHERE profile_id = ? AND batch_id = ?)",
        (profile_id, row["batch_id"]),
    ).fetchone()[0]
    return Lease(
        id=row["id"],
        token=row["token"],
        item_id=row["item_id"],
        batch_id=row["batch_id"],
        external_id=row["external_id"],
        payload=json.loads(row["payload"]),
        is_gold=bool(row["is_gold"]),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        resumed=resumed,
        first_in_batch=not answered_before,
    )


def _eligible_batches(
    raw: sqlite3.Connection, request: ClaimRequest, may_serve: BatchFilter
) -> list[sqlite3.Row]:
    if is_banned(raw, request.profile_id):
        return []  # banned from the community: no batch at all
    rows = raw.execute(
        "SELECT id, lease_seconds, gold_rate, daily_cap, audience, settings FROM batches"
        " WHERE state = 'active' AND NOT EXISTS (SELECT 1 FROM batch_bans x"
        " WHERE x.batch_id = batches.id AND x.profile_id = ?) ORDER BY priority DESC, id",
        (request.profile_id,),
    ).fetchall()
    if request.batch_id is not None and request.only:
        rows = [row for row in rows if row["id"] == request.batch_id]
    elif request.batch_id is not None:
        rows.sort(key=lambda row: row["id"] != request.batch_id)
    day_start = request.now - request.now % DAY
    eligible = []
    for row in rows:
        if row["audience"] != "all" and request.platform not in row["audience"].split(","):
            continue
        if row["daily_cap"] is not None:
            today = raw.execute(
                "SELECT count(*) FROM answers WHERE profile_id = ? AND batch_id = ?"
                " AND created_at >= ?",
                (request.profile_id, row["id"], day_start),
            ).fetchone()[0]
            if today >= row["daily_cap"]:
                continue
        if not may_serve(row["id"], row["settings"]):
            continue
        eligible.append(row)
    return eligible


def serve_any(batch_id: int, settings: str) -> bool:
    return True


def claim(
    raw: sqlite3.Connection, request: ClaimRequest, may_serve: BatchFilter = serve_any
) -> Lease | None:
    """The member's live lease if they hold one, else a newly leased slot, else None.

    `may_serve(batch_id, settings)` rules batches out for this member (exams, levels).
    """
    sweep_expired(raw, request.now)
    activate_due(raw, request.now)
    held = raw.execute(
        "SELECT id FROM leases WHERE profile_id = ? AND state = 'live' ORDER BY id LIMIT 1",
        (request.profile_id,),
    ).fetchone()
    if held is not None:
        return _lease(raw, held[0], resumed=True, profile_id=request.profile_id)
    for batch in _eligible_batches(raw, request, may_serve):
        gold_first = request.gold_draw < batch["gold_rate"]
        for gold in (gold_first, not gold_first):
            row = raw.execute(
                CLAIM_SQL,
                {
                    "token": request.token,
                    "member": request.profile_id,
                    "now": request.now,
                    "lease_seconds": batch["lease_seconds"],
                    "batch": batch["id"],
                    "gold": int(gold),
                },
            ).fetchone()
            if row is not None:
                return _lease(raw, row[0], resumed=False, profile_id=request.profile_id)
    return None


def submit(
    raw: sqlite3.Connection, token: str, profile_id: int, value: Any, now: float
) -> SubmitOutcome:
    """Store an answer for a lease: counted if the slot is still the member's or the item has room,
    else kept as surplus. A second submit for the same item returns the first answer. A lease the
    member skipped or gave back takes no answer: its buttons are stale.
    """
    lease = raw.execute(
        "SELECT id, item_id, batch_id, profile_id, state, created_at, expires_at"
        " FROM leases WHERE token = ?",
        (token,),
    ).fetchone()
    if lease is None:
        return SubmitOutcome(SubmitStatus.not_found)
    if lease["profile_id"] != profile_id:
        return SubmitOutcome(SubmitStatus.not_yours)
    earlier = raw.execute(
        "SELECT id, counted FROM answers WHERE item_id = ? AND profile_id = ?",
        (lease["item_id"], profile_id),
    ).fetchone()
    if earlier is not None:
        return SubmitOutcome(
            SubmitStatus.duplicate,
            earlier["id"],
            bool(earlier["counted"]),
            batch_id=lease["batch_id"],
            item_id=lease["item_id"],
        )
    if lease["state"] == "skipped":
        return SubmitOutcome(SubmitStatus.skipped)
    if lease["state"] == "released":
        return SubmitOutcome(SubmitStatus.released)
    on_time = lease["state"] == "live" and lease["expires_at"] > now
    if lease["state"] == "live":
        raw.execute(
            "UPDATE leases SET state = ? WHERE id = ?",
            ("answered" if on_time else "expired", lease["id"]),
        )
    if on_time:
        counted = True
    else:
        free = raw.execute(
            "SELECT i.free_slots FROM items i JOIN batches b ON b.id = i.batch_id"
            " WHERE i.id = ? AND b.state <> 'closed'",
            (lease["item_id"],),
        ).fetchone()
        counted = free is not None and free[0] > 0
    answer_id = raw.execute(
        "INSERT INTO answers (item_id, batch_id, profile_id, lease_id, value, counted, seconds,"
        " leased_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            lease["item_id"],
            lease["batch_id"],
            profile_id,
            lease["id"],
            json.dumps(value, ensure_ascii=False),
            int(counted),
            max(0.0, now - lease["created_at"]),
            lease["created_at"],
            now,
        ),
    ).fetchone()[0]
    return SubmitOutcome(
        SubmitStatus.stored,
        answer_id,
        counted,
        late=not on_time,
        batch_id=lease["batch_id"],
        item_id=lease["item_id"],
    )


def skip(raw: sqlite3.Connection, token: str, profile_id: int, now: float) -> SubmitStatus:
    lease = raw.execute(
        "SELECT id, item_id, profile_id, state FROM leases WHERE token = ?", (token,)
    ).fetchone()
    if lease is None:
        return SubmitStatus.not_found
    if lease["profile_id"] != profile_id:
        return SubmitStatus.not_yours
    if (
        raw.execute("SELECT 1 FROM answers WHERE lease_id = ?", (lease["id"],)).fetchone()
        is not None
    ):
        return SubmitStatus.duplicate
    if lease["state"] == "live":
        raw.execute("UPDATE leases SET state = 'skipped' WHERE id = ?", (lease["id"],))
    raw.execute(
        "INSERT OR IGNORE INTO skips (item_id, profile_id, created_at) VALUES (?, ?, ?)",
        (lease["item_id"], profile_id, now),
    )
    return SubmitStatus.skipped


def release_member(raw: sqlite3.Connection, profile_id: int) -> int:
    return raw.execute(
        "UPDATE leases SET state = 'released' WHERE profile_id = ? AND state = 'live'",
        (profile_id,),
    ).rowcount


def held(raw: sqlite3.Connection, profile_id: int, now: float) -> Lease | None:
    row = raw.execute(
        "SELECT id FROM leases WHERE profile_id = ? AND state = 'live' AND expires_at > ?"
        " ORDER BY id LIMIT 1",
        (profile_id, now),
    ).fetchone()
    return None if row is None else _lease(raw, row[0], resumed=True, profile_id=profile_id)


async def held_lease(db: Database, profile_id: int, now: float) -> Lease | None:
    return await db.read(lambda raw: held(raw, profile_id, now))


async def claim_next(
    db: Database, request: ClaimRequest, may_serve: BatchFilter = serve_any
) -> Lease | None:
    return await db.write(lambda raw: claim(raw, request, may_serve))


async def submit_answer(
    db: Database, token: str, profile_id: int, value: Any, now: float
) -> SubmitOutcome:
    return await db.write(lambda raw: submit(raw, token, profile_id, value, now))


async def skip_lease(db: Database, token: str, profile_id: int, now: float) -> SubmitStatus:
    return await db.write(lambda raw: skip(raw, token, profile_id, now))


async def release_leases(db: Database, profile_id: int) -> int:
    return await db.write(lambda raw: release_member(raw, profile_id))


async def find_lease_owner(db: Database, token: str) -> sqlite3.Row | None:
    return await db.fetch_one(
        "SELECT l.id, l.profile_id, l.batch_id, l.item_id, l.state, l.expires_at"
        " FROM leases l WHERE l.token = ?",
        (token,),
    )


async def chosen_batch(db: Database, profile_id: int) -> int | None:
    """The batch the member picked with /task N, if they still keep to one."""
    return await db.fetch_value("SELECT chosen_batch_id FROM profiles WHERE id = ?", (profile_id,))


async def choose_batch(db: Database, profile_id: int, batch_id: int | None) -> None:
    """Keep the member to one batch (None: any batch again)."""
    await db.execute("UPDATE profiles SET chosen_batch_id = ? WHERE id = ?", (batch_id, profile_id))


# Lease upkeep: expired leases, starved items


async def release_expired_leases(db: Database, now: float) -> int:
    """End live leases whose time is up, so their slots are offered again."""
    return await db.write(lambda raw: sweep_expired(raw, now))


async def reoffer_starved_items(db: Database, now: float, after: float) -> int:
    """Forget old skips of open items nobody has leased for `after` seconds, so the members who
    skipped them are offered them again; the number of skips forgotten."""
    cutoff = now - after
    return await db.execute(
        "DELETE FROM skips WHERE created_at <= :cutoff AND item_id IN ("
        " SELECT i.id FROM items i JOIN batches b ON b.id = i.batch_id"
        " WHERE b.state = 'active' AND i.is_gold = 0 AND i.free_slots > 0"
        " AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.item_id = i.id"
        " AND l.created_at > :cutoff))",
        {"cutoff": cutoff},
    )
