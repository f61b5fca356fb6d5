"""Who is owed what, and payout runs: planning, starting, refunding and finishing them."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from storage import ledger, notifications
from storage.database import Database
from storage.ledger import Cause
from storage.payouts.rows import (
    PAYOUT_COLUMNS,
    RUN_COLUMNS,
    Candidate,
    Message,
    Payout,
    PayoutConflict,
    Run,
    _ids,
    _payout,
    _run,
)

# Who is owed what


async def queued_for_banned(db: Database, run_ids: Sequence[int]) -> list[int]:
    """Queued payouts of these runs whose member was banned after the run was planned."""
    rows = await db.fetch_all(
        "SELECT p.id FROM payouts p JOIN profiles m ON m.id = p.profile_id"
        " WHERE p.state = 'queued' AND m.banned_at IS NOT NULL"
        " AND p.run_id IN (SELECT value FROM json_each(?)) ORDER BY p.id",
        (_ids(run_ids),),
    )
    return [row[0] for row in rows]


def _has_wallets_table(raw: sqlite3.Connection) -> bool:
    return (
        raw.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'wallets'"
        ).fetchone()
        is not None
    )


def candidates(raw: sqlite3.Connection, minimum: int, cap: int | None) -> list[Candidate]:
    """Members a run would pay: balance >= minimum (and > 0), a linked wallet, not banned.

    Largest balances first. With a cap, whole balances are taken while they fit; the first that
    does not fit is cut to what is left of the cap (if that is still at least the minimum), and
    the run stops there: the rest stays in the ledger for the next run.
    """
    if not _has_wallets_table(raw):
        return []  # wallet linking is not installed yet: nobody has a payout address
    # Balances are summed in their split form (storage/ledger.py) and joined in Python: the
    # units of an 18-decimal token overflow SQLite's integers.
    rows = raw.execute(
        "SELECT b.profile_id, b.hi, b.lo, w.address, p.display_name FROM"
        " (SELECT profile_id, sum(amount_hi) AS hi, sum(amount_lo) AS lo FROM ledger"
        "  GROUP BY profile_id) AS b"
        " JOIN wallets w ON w.profile_id = b.profile_id"
        " JOIN profiles p ON p.id = b.profile_id AND p.banned_at IS NULL"
    ).fetchall()
    floor = max(minimum, 1)
    owed = [(ledger.join(row["hi"], row["lo"]), row) for row in rows]
    owed = [(balance, row) for balance, row in owed if balance >= floor]
    owed.sort(key=lambda pair: (-pair[0], pair[1]["profile_id"]))
    chosen: list[Candidate] = []
    left = cap
    for balance, row in owed:
        amount = balance if left is None else min(balance, left)
        if amount < floor:
            break
        chosen.append(
            Candidate(row["profile_id"], row["display_name"], row["address"], balance, amount)
        )
        if left is not None:
            left -= amount
    return chosen


async def plan(db: Database, minimum: int, cap: int | None) -> list[Candidate]:
    return await db.read(lambda raw: candidates(raw, minimum, cap))


def payout_ref(payout_id: int) -> str:
    """What the ledger's `payout_ref` column holds for a payout's debit and refund."""
    return f"payouts:{payout_id}"


async def start_run(
    db: Database,
    *,
    chain_key: str,
    sender: str,
    token: str,
    decimals: int,
    minimum: int,
    cap: int | None,
    now: float,
) -> tuple[Run, list[Candidate]] | None:
    """Plan from the balances as they are now and write the run, its payouts and their ledger
    debits, all in one transaction. None when nobody is owed anything."""

    def job(raw: sqlite3.Connection) -> tuple[Run, list[Candidate]] | None:
        chosen = candidates(raw, minimum, cap)
        if not chosen:
            return None
        run_row = raw.execute(
            "INSERT INTO payout_runs (chain_key, sender, token, decimals, minimum, cap, created_at)"
            f" VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING {RUN_COLUMNS}",
            (
                chain_key,
                sender,
                token,
                decimals,
                str(minimum),
                None if cap is None else str(cap),
                now,
            ),
        ).fetchone()
        run = _run(run_row)
        for candidate in chosen:
            payout_id = raw.execute(
                "INSERT INTO payouts (run_id, profile_id, address, amount) VALUES (?, ?, ?, ?)"
                " RETURNING id",
                (run.id, candidate.profile_id, candidate.address, str(candidate.amount)),
            ).fetchone()[0]
            debit_id = ledger.append(
                raw,
                profile_id=candidate.profile_id,
                amount=-candidate.amount,
                cause=Cause.payout,
                now=now,
                payout_ref=payout_ref(payout_id),
            )
            assert debit_id is not None
            raw.execute("UPDATE payouts SET debit_id = ? WHERE id = ?", (debit_id, payout_id))
        return run, chosen

    return await db.write(job)


# Runs and payouts


async def open_runs(db: Database, chain_key: str | None = None) -> list[Run]:
    if chain_key is None:
        rows = await db.fetch_all(
            f"SELECT {RUN_COLUMNS} FROM payout_runs WHERE state = 'open' ORDER BY id"
        )
    else:
        rows = await db.fetch_all(
            f"SELECT {RUN_COLUMNS} FROM payout_runs WHERE state = 'open' AND chain_key = ?"
            " ORDER BY id",
            (chain_key,),
        )
    return [_run(row) for row in rows]


async def get_run(db: Database, run_id: int) -> Run | None:
    row = await db.fetch_one(f"SELECT {RUN_COLUMNS} FROM payout_runs WHERE id = ?", (run_id,))
    return None if row is None else _run(row)


async def queued_payouts(db: Database, run_ids: Sequence[int], limit: int) -> list[Payout]:
    """Queued payouts of these runs: batchable ones first, then those needing a transfer each."""
    rows = await db.fetch_all(
        f"SELECT {PAYOUT_COLUMNS} FROM payouts WHERE state = 'queued'"
        " AND run_id IN (SELECT value FROM json_each(?)) ORDER BY single, id LIMIT ?",
        (_ids(run_ids), limit),
    )
    return [_payout(row) for row in rows]


async def in_flight_total(db: Database, run_ids: Sequence[int]) -> int:
    """Units carried by transactions that have not been mined yet (still in the treasury)."""
    rows = await db.fetch_all(
        "SELECT p.amount FROM payouts p JOIN payout_txs t ON t.id = p.tx_id"
        " WHERE p.state = 'sending' AND t.state IN ('signed', 'sent')"
        " AND p.run_id IN (SELECT value FROM json_each(?))",
        (_ids(run_ids),),
    )
    return sum(int(row[0]) for row in rows)


async def payouts_of_run(db: Database, run_id: int) -> list[Payout]:
    rows = await db.fetch_all(
        f"SELECT {PAYOUT_COLUMNS} FROM payouts WHERE run_id = ? ORDER BY id", (run_id,)
    )
    return [_payout(row) for row in rows]


async def mark_single(db: Database, payout_ids: Sequence[int]) -> None:
    """These queued payouts will each go in a transfer of their own (their batch failed)."""
    await db.execute(
        "UPDATE payouts SET single = 1 WHERE state = 'queued'"
        " AND id IN (SELECT value FROM json_each(?))",
        (_ids(payout_ids),),
    )


def _refund(
    raw: sqlite3.Connection, payout: Payout, reason: str, now: float, message: Message
) -> None:
    """Re-credit a queued payout that cannot be paid, and tell its member why."""
    refund_id = ledger.append(
        raw,
        profile_id=payout.profile_id,
        amount=payout.amount,
        cause=Cause.payout_refund,
        now=now,
        reverses_id=payout.debit_id,
        payout_ref=payout_ref(payout.id),
        reason=reason,
    )
    if refund_id is None:
        raise PayoutConflict(f"payout {payout.id} was re-credited already")
    changed = raw.execute(
        "UPDATE payouts SET state = 'refunded', tx_id = NULL, refund_id = ?, reason = ?"
        " WHERE id = ? AND state = 'queued'",
        (refund_id, reason, payout.id),
    ).rowcount
    if changed != 1:
        raise PayoutConflict(f"payout {payout.id} is not queued; it cannot be re-credited")
    notifications.enqueue(raw, payout.profile_id, "payout.refunded", message(payout), now)


async def refund(
    db: Database, payout_ids: Sequence[int], reason: str, now: float, message: Message
) -> list[Payout]:
    """Re-credit queued payouts that cannot be paid, and tell their members why."""

    def job(raw: sqlite3.Connection) -> list[Payout]:
        rows = raw.execute(
            f"SELECT {PAYOUT_COLUMNS} FROM payouts WHERE state = 'queued'"
            " AND id IN (SELECT value FROM json_each(?))",
            (_ids(payout_ids),),
        ).fetchall()
        done = []
        for payout in map(_payout, rows):
            _refund(raw, payout, reason, now, message)
            done.append(payout)
        return done

    return await db.write(job)


async def finish_runs(db: Database, now: float) -> list[int]:
    """Close every open run whose payouts are all paid or refunded; returns their ids."""

    def job(raw: sqlite3.Connection) -> list[int]:
        rows = raw.execute(
            "UPDATE payout_runs SET state = 'finished', finished_at = ? WHERE state = 'open'"
            " AND NOT EXISTS (SELECT 1 FROM payouts p WHERE p.run_id = payout_runs.id"
            " AND p.state IN ('queued', 'sending')) RETURNING id",
            (now,),
        ).fetchall()
        return sorted(row[0] for row in rows)

    return await db.write(job)
