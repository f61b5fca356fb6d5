"""The nonce counter, signed transactions and their versions, and their outcomes."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from storage import notifications
from storage.database import Database
from storage.payouts.rows import (
    PAYOUT_COLUMNS,
    TX_COLUMNS,
    UNRESOLVED,
    Message,
    NewTx,
    Payout,
    PayoutConflict,
    Signed,
    Tx,
    _ids,
    _payout,
    _tx,
)
from storage.payouts.runs import (
    _refund,
)

# Nonces and signed transactions


def allocate_nonce(raw: sqlite3.Connection, chain_key: str, sender: str, floor: int) -> int:
    """The next nonce from the database's counter (raised to `floor`, the node's pending count,
    when the key was used by other software), and advance the counter past it."""
    row = raw.execute(
        "SELECT next_nonce FROM payout_nonces WHERE chain_key = ? AND sender = ?",
        (chain_key, sender),
    ).fetchone()
    nonce = max(floor, 0 if row is None else row[0])
    raw.execute(
        "INSERT INTO payout_nonces (chain_key, sender, next_nonce) VALUES (?, ?, ?)"
        " ON CONFLICT (chain_key, sender) DO UPDATE SET next_nonce = excluded.next_nonce",
        (chain_key, sender, nonce + 1),
    )
    return nonce


def _insert_version(raw: sqlite3.Connection, tx_id: int, signed: Signed, now: float) -> None:
    raw.execute(
        "INSERT INTO payout_tx_versions (hash, tx_id, raw, max_fee, priority_fee, signed_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (signed.hash, tx_id, signed.raw, str(signed.max_fee), str(signed.priority_fee), now),
    )


def _load_tx(raw: sqlite3.Connection, tx_id: int) -> Tx:
    row = raw.execute(f"SELECT {TX_COLUMNS} FROM payout_txs WHERE id = ?", (tx_id,)).fetchone()
    return _tx(raw, row)


async def store_tx(
    db: Database,
    *,
    chain_key: str,
    sender: str,
    floor: int,
    new: NewTx,
    sign: Callable[[int], Signed],
    now: float,
) -> Tx:
    """Allocate a nonce, sign with it, and store the signed bytes with the payouts they carry.

    All in one transaction: a crash leaves either nothing (the nonce is not used) or a signed
    transaction that a restart broadcasts as it is.
    """

    def job(raw: sqlite3.Connection) -> Tx:
        nonce = allocate_nonce(raw, chain_key, sender, floor)
        signed = sign(nonce)
        tx_id = raw.execute(
            "INSERT INTO payout_txs (chain_key, sender, nonce, kind, to_address, value, data,"
            " gas_limit, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                chain_key,
                sender,
                nonce,
                new.kind,
                new.to_address,
                str(new.value),
                new.data,
                new.gas_limit,
                now,
            ),
        ).fetchone()[0]
        _insert_version(raw, tx_id, signed, now)
        if new.payout_ids:
            changed = raw.execute(
                "UPDATE payouts SET state = 'sending', tx_id = ? WHERE state = 'queued'"
                " AND id IN (SELECT value FROM json_each(?))",
                (tx_id, _ids(new.payout_ids)),
            ).rowcount
            if changed != len(new.payout_ids):
                raise PayoutConflict("some payouts of this transaction are no longer queued")
            raw.executemany(
                "INSERT INTO payout_tx_payouts (tx_id, payout_id) VALUES (?, ?)",
                [(tx_id, payout_id) for payout_id in new.payout_ids],
            )
        if new.contract_name:
            assert signed.created_address is not None
            raw.execute(
                "INSERT INTO payout_contracts (chain_key, sender, name, address, tx_id)"
                " VALUES (?, ?, ?, ?, ?)",
                (chain_key, sender, new.contract_name, signed.created_address, tx_id),
            )
        return _load_tx(raw, tx_id)

    return await db.write(job)


async def add_version(db: Database, tx_id: int, signed: Signed, now: float) -> Tx:
    """Store a fee-bumped replacement (same nonce, same payload) before it is broadcast."""

    def job(raw: sqlite3.Connection) -> Tx:
        state = raw.execute("SELECT state FROM payout_txs WHERE id = ?", (tx_id,)).fetchone()[0]
        if state not in UNRESOLVED:
            raise PayoutConflict(f"transaction {tx_id} is {state}; it cannot be replaced")
        _insert_version(raw, tx_id, signed, now)
        return _load_tx(raw, tx_id)

    return await db.write(job)


async def mark_sent(db: Database, tx_hash: str, now: float) -> None:
    """A node accepted this version."""

    def job(raw: sqlite3.Connection) -> None:
        row = raw.execute(
            "UPDATE payout_tx_versions SET sent_at = coalesce(sent_at, ?) WHERE hash = ?"
            " RETURNING tx_id",
            (now, tx_hash),
        ).fetchone()
        raw.execute(
            "UPDATE payout_txs SET state = 'sent', sent_at = coalesce(sent_at, ?)"
            " WHERE id = ? AND state = 'signed'",
            (now, row[0]),
        )

    await db.write(job)


def _chain_txs(
    raw: sqlite3.Connection,
    chain_key: str,
    *,
    unresolved: bool = False,
    sender: str | None = None,
    kind: str | None = None,
) -> list[Tx]:
    """A chain's transactions by sender and nonce: all, or those matching every filter given."""
    sql = f"SELECT {TX_COLUMNS} FROM payout_txs WHERE chain_key = ?"
    params = [chain_key]
    if unresolved:
        sql += " AND state IN ('signed', 'sent', 'mined')"
    if sender:
        sql += " AND sender = ?"
        params.append(sender)
    if kind:
        sql += " AND kind = ?"
        params.append(kind)
    rows = raw.execute(sql + " ORDER BY sender, nonce", params).fetchall()
    return [_tx(raw, row) for row in rows]


async def unresolved_txs(db: Database, chain_key: str, sender: str | None = None) -> list[Tx]:
    """Transactions whose outcome is not final yet, by nonce (of one sender, or of every one)."""
    return await db.read(lambda raw: _chain_txs(raw, chain_key, unresolved=True, sender=sender))


async def contract_address(db: Database, chain_key: str, sender: str, name: str) -> str | None:
    return await db.fetch_value(
        "SELECT address FROM payout_contracts WHERE chain_key = ? AND sender = ? AND name = ?",
        (chain_key, sender, name),
    )


async def contract_tx_state(db: Database, chain_key: str, sender: str, name: str) -> str | None:
    return await db.fetch_value(
        "SELECT t.state FROM payout_contracts c JOIN payout_txs t ON t.id = c.tx_id"
        " WHERE c.chain_key = ? AND c.sender = ? AND c.name = ?",
        (chain_key, sender, name),
    )


# Outcomes


async def record_mined(db: Database, tx_id: int, tx_hash: str, block: int, now: float) -> None:
    """A version has a receipt, not yet deep enough to count."""
    await db.execute(
        "UPDATE payout_txs SET state = 'mined', mined_hash = ?, block_number = ?,"
        " sent_at = coalesce(sent_at, ?) WHERE id = ? AND state IN ('signed', 'sent', 'mined')",
        (tx_hash, block, now, tx_id),
    )


async def record_unmined(db: Database, tx_id: int) -> None:
    """The receipt seen earlier is gone (a reorganisation): back to waiting."""
    await db.execute(
        "UPDATE payout_txs SET state = 'sent', mined_hash = NULL, block_number = NULL"
        " WHERE id = ? AND state = 'mined'",
        (tx_id,),
    )


@dataclass(frozen=True)
class Outcome:
    """What a final transaction did to its payouts."""

    tx_id: int
    state: str
    paid: tuple[Payout, ...] = ()
    requeued: tuple[Payout, ...] = ()
    refunded: tuple[Payout, ...] = ()


def _resolve(
    raw: sqlite3.Connection, tx_id: int, state: str, fields: dict[str, Any], now: float
) -> tuple[str, list[Payout]] | None:
    sets = ", ".join(f"{name} = ?" for name in fields)
    row = raw.execute(
        f"UPDATE payout_txs SET state = ?, resolved_at = ?{', ' if sets else ''}{sets}"
        " WHERE id = ? AND state IN ('signed', 'sent', 'mined') RETURNING kind",
        (state, now, *fields.values(), tx_id),
    ).fetchone()
    if row is None:
        return None  # resolved already
    carried = raw.execute(
        f"SELECT {PAYOUT_COLUMNS} FROM payouts WHERE tx_id = ? AND state = 'sending' ORDER BY id",
        (tx_id,),
    ).fetchall()
    return row[0], [_payout(r) for r in carried]


def confirm(
    raw: sqlite3.Connection,
    tx_id: int,
    *,
    tx_hash: str,
    block: int,
    gas_used: int,
    now: float,
    message: Message,
) -> Outcome:
    """Status 1 with the confirmations: its payouts are paid and their members told."""
    fields = {"mined_hash": tx_hash, "block_number": block, "gas_used": gas_used}
    resolved = _resolve(raw, tx_id, "confirmed", fields, now)
    if resolved is None:
        return Outcome(tx_id, "confirmed")
    _, carried = resolved
    raw.execute(
        "UPDATE payouts SET state = 'paid', paid_at = ? WHERE tx_id = ? AND state = 'sending'",
        (now, tx_id),
    )
    for payout in carried:
        notifications.enqueue(raw, payout.profile_id, "payout.paid", message(payout), now)
    return Outcome(tx_id, "confirmed", paid=tuple(carried))


def fail(
    raw: sqlite3.Connection,
    tx_id: int,
    *,
    state: str,
    now: float,
    max_attempts: int,
    message: Message,
    tx_hash: str | None = None,
    block: int | None = None,
    gas_used: int | None = None,
) -> Outcome:
    """A final transaction that paid nobody: reverted (status 0), dropped (its nonce went to a
    transaction that is none of ours) or abandoned (its embedded chain is gone).

    Its payouts go back to the queue, to be signed under a new nonce; after a revert they go
    alone (a transfer each), and after `max_attempts` reverts they are re-credited instead.
    A deployment that failed is forgotten, so the next run deploys again.
    """
    assert state in ("reverted", "dropped", "abandoned")
    fields: dict[str, Any] = {}
    if tx_hash is not None:
        fields = {"mined_hash": tx_hash, "block_number": block, "gas_used": gas_used}
    resolved = _resolve(raw, tx_id, state, fields, now)
    if resolved is None:
        return Outcome(tx_id, state)
    kind, carried = resolved
    if kind == "deploy":
        raw.execute("DELETE FROM payout_contracts WHERE tx_id = ?", (tx_id,))
    reverted = state == "reverted"
    requeued, refunded = [], []
    for payout in carried:
        attempts = payout.attempts + (1 if reverted else 0)
        raw.execute(
            "UPDATE payouts SET state = 'queued', tx_id = NULL, attempts = ?,"
            " single = max(single, ?) WHERE id = ? AND state = 'sending'",
            (attempts, 1 if reverted else 0, payout.id),
        )
        if reverted and attempts >= max_attempts:
            reason = f"{attempts} transactions carrying it reverted"
            _refund(raw, payout, reason, now, message)
            refunded.append(payout)
        else:
            requeued.append(payout)
    return Outcome(tx_id, state, requeued=tuple(requeued), refunded=tuple(refunded))


async def record_outcomes(
    db: Database, jobs: list[Callable[[sqlite3.Connection], Outcome]]
) -> list[Outcome]:
    """Several outcomes (from `confirm` and `fail`) in one database transaction."""
    return await db.write(lambda raw: [job(raw) for job in jobs])


def abandon_vanished_chains(raw: sqlite3.Connection, current_key: str, now: float) -> int:
    """Embedded chains live in memory: transactions left unresolved on an earlier instance can
    never be mined now. Mark them abandoned (their payouts go back to the queue) and hand the
    open runs of earlier instances to the current one. Returns the number abandoned."""
    rows = raw.execute(
        "SELECT id FROM payout_txs WHERE chain_key LIKE 'embedded:%' AND chain_key <> ?"
        " AND state IN ('signed', 'sent', 'mined')",
        (current_key,),
    ).fetchall()
    for row in rows:
        fail(raw, row[0], state="abandoned", now=now, max_attempts=1, message=lambda p: {})
    raw.execute(
        "UPDATE payout_runs SET chain_key = ? WHERE state = 'open'"
        " AND chain_key LIKE 'embedded:%' AND chain_key <> ?",
        (current_key, current_key),
    )
    return len(rows)
