"""Payout runs, payouts, their transactions and the nonce counter: every payout SQL statement.

The state machine (docs/payouts.md has the whole argument):

    payout:  queued --(signed into a transaction)--> sending --(confirmed, status 1)--> paid
                ^                                       |
                +---(reverted / nonce used elsewhere)---+
             queued --(cannot be paid)--> refunded   (a payout_refund ledger row re-credits it)

    transaction:  signed -> sent -> mined -> confirmed | reverted | dropped
                  (abandoned: sent to an embedded chain that no longer exists)

Each arrow is one database transaction, and each is guarded by the state it leaves, so doing a
step twice (after a crash) changes nothing the second time.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from storage import ledger, notifications
from storage.database import Database
from storage.ledger import Cause

UNRESOLVED = ("signed", "sent", "mined")
FINAL = ("confirmed", "reverted", "dropped", "abandoned")
EMBEDDED_PREFIX = "embedded:"

Message = Callable[["Payout"], dict[str, Any]]


class PayoutConflict(RuntimeError):
    """A step found the payouts in another state than it expected (another runner moved them)."""


# Rows


@dataclass(frozen=True)
class Candidate:
    """Someone a run would pay now: a balance at or above the minimum and a payout address."""

    profile_id: int
    display_name: str
    address: str
    balance: int
    amount: int  # the balance, or less when the run's cap cuts it


@dataclass(frozen=True)
class Run:
    id: int
    chain_key: str
    sender: str
    token: str
    decimals: int
    minimum: int
    cap: int | None
    state: str
    created_at: float
    finished_at: float | None


@dataclass(frozen=True)
class Payout:
    id: int
    run_id: int
    profile_id: int
    address: str
    amount: int
    debit_id: int
    state: str
    single: bool
    tx_id: int | None
    attempts: int
    reason: str | None
    paid_at: float | None


@dataclass(frozen=True)
class TxVersion:
    hash: str
    raw: bytes
    max_fee: int
    priority_fee: int
    signed_at: float
    sent_at: float | None


@dataclass(frozen=True)
class Tx:
    id: int
    chain_key: str
    sender: str
    nonce: int
    kind: str
    to_address: str | None
    value: int
    data: bytes
    gas_limit: int
    state: str
    mined_hash: str | None
    block_number: int | None
    gas_used: int | None
    created_at: float
    sent_at: float | None
    versions: tuple[TxVersion, ...]

    @property
    def newest(self) -> TxVersion:
        return self.versions[-1]

    @property
    def hashes(self) -> list[str]:
        return [version.hash for version in self.versions]


@dataclass(frozen=True)
class Signed:
    """One signed version of a transaction, as the wallet hands it to storage."""

    hash: str
    raw: bytes
    max_fee: int
    priority_fee: int
    created_address: str | None = None  # a contract creation: the new contract's address


@dataclass(frozen=True)
class NewTx:
    """A transaction to allocate a nonce for, sign and store in one database transaction."""

    kind: str
    to_address: str | None
    value: int
    data: bytes
    gas_limit: int
    payout_ids: tuple[int, ...] = ()
    contract_name: str | None = None  # a deployment: remember the contract under this name


@dataclass(frozen=True)
class RunSummary:
    run: Run
    payouts: int
    total: int
    paid: int
    paid_total: int
    refunded: int
    in_flight: int
    queued: int


PAYOUT_COLUMNS = (
    "id, run_id, profile_id, address, amount, debit_id, state, single, tx_id, attempts, reason,"
    " paid_at"
)
RUN_COLUMNS = "id, chain_key, sender, token, decimals, minimum, cap, state, created_at, finished_at"
TX_COLUMNS = (
    "id, chain_key, sender, nonce, kind, to_address, value, data, gas_limit, state, mined_hash,"
    " block_number, gas_used, created_at, sent_at"
)


def _payout(row: sqlite3.Row) -> Payout:
    return Payout(
        row["id"],
        row["run_id"],
        row["profile_id"],
        row["address"],
        int(row["amount"]),
        row["debit_id"],
        row["state"],
        bool(row["single"]),
        row["tx_id"],
        row["attempts"],
        row["reason"],
        row["paid_at"],
    )


def _run(row: sqlite3.Row) -> Run:
    return Run(
        row["id"],
        row["chain_key"],
        row["sender"],
        row["token"],
        row["decimals"],
        int(row["minimum"]),
        None if row["cap"] is None else int(row["cap"]),
        row["state"],
        row["created_at"],
        row["finished_at"],
    )


def _versions(raw: sqlite3.Connection, tx_id: int) -> tuple[TxVersion, ...]:
    rows = raw.execute(
        "SELECT hash, raw, max_fee, priority_fee, signed_at, sent_at FROM payout_tx_versions"
        " WHERE tx_id = ? ORDER BY signed_at, rowid",
        (tx_id,),
    ).fetchall()
    return tuple(
        TxVersion(r["hash"], bytes(r["raw"]), int(r["max_fee"]), int(r["priority_fee"]), *r[4:])
        for r in rows
    )


def _tx(raw: sqlite3.Connection, row: sqlite3.Row) -> Tx:
    return Tx(
        row["id"],
        row["chain_key"],
        row["sender"],
        row["nonce"],
        row["kind"],
        row["to_address"],
        int(row["value"]),
        bytes(row["data"]),
        row["gas_limit"],
        row["state"],
        row["mined_hash"],
        row["block_number"],
        row["gas_used"],
        row["created_at"],
        row["sent_at"],
        _versions(raw, row["id"]),
    )


def _ids(ids: Iterable[int]) -> str:
    return json.dumps(list(ids))


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


# Status


async def run_summaries(
    db: Database, run_id: int | None = None, limit: int = 20
) -> list[RunSummary]:
    """The newest runs (or one run) with their payouts counted and summed by state."""

    def job(raw: sqlite3.Connection) -> list[RunSummary]:
        runs = raw.execute(
            f"SELECT {RUN_COLUMNS} FROM payout_runs"
            + (" WHERE id = ?" if run_id is not None else "")
            + " ORDER BY id DESC LIMIT ?",
            (run_id, limit) if run_id is not None else (limit,),
        ).fetchall()
        summaries = []
        for run in map(_run, runs):
            rows = raw.execute(
                "SELECT state, amount FROM payouts WHERE run_id = ?", (run.id,)
            ).fetchall()
            states = [row[0] for row in rows]
            summaries.append(
                RunSummary(
                    run,
                    payouts=len(rows),
                    total=sum(int(row[1]) for row in rows),
                    paid=states.count("paid"),
                    paid_total=sum(int(row[1]) for row in rows if row[0] == "paid"),
                    refunded=states.count("refunded"),
                    in_flight=states.count("sending"),
                    queued=states.count("queued"),
                )
            )
        return summaries

    return await db.read(job)


@dataclass(frozen=True)
class PayoutLine:
    """A payout as `payouts status RUN` shows it."""

    payout: Payout
    display_name: str
    tx_hash: str | None  # the version that was mined, or the newest one sent


async def run_lines(db: Database, run_id: int) -> list[PayoutLine]:
    rows = await db.fetch_all(
        f"SELECT {', '.join('p.' + c for c in PAYOUT_COLUMNS.split(', '))}, pr.display_name,"
        " coalesce(t.mined_hash, (SELECT v.hash FROM payout_tx_versions v WHERE v.tx_id = t.id"
        "  ORDER BY v.signed_at DESC, v.rowid DESC LIMIT 1)) AS tx_hash"
        " FROM payouts p JOIN profiles pr ON pr.id = p.profile_id"
        " LEFT JOIN payout_txs t ON t.id = p.tx_id WHERE p.run_id = ? ORDER BY p.id",
        (run_id,),
    )
    return [PayoutLine(_payout(row), row["display_name"], row["tx_hash"]) for row in rows]


async def txs_of_run(db: Database, run_id: int) -> list[Tx]:
    def job(raw: sqlite3.Connection) -> list[Tx]:
        rows = raw.execute(
            f"SELECT {', '.join('t.' + c for c in TX_COLUMNS.split(', '))} FROM payout_txs t"
            " WHERE t.id IN (SELECT l.tx_id FROM payout_tx_payouts l JOIN payouts p"
            " ON p.id = l.payout_id WHERE p.run_id = ?) ORDER BY t.nonce",
            (run_id,),
        ).fetchall()
        return [_tx(raw, row) for row in rows]

    return await db.read(job)


async def txs_of(db: Database, chain_key: str, kind: str | None = None) -> list[Tx]:
    """Every transaction recorded for a chain (of one kind), by sender and nonce."""
    return await db.read(lambda raw: _chain_txs(raw, chain_key, kind=kind))


async def paid_by_address(db: Database, chain_key: str | None = None) -> dict[str, int]:
    """Units paid (confirmed on chain) to each address, over every run (of one chain)."""
    rows = await db.fetch_all(
        "SELECT p.address, p.amount FROM payouts p JOIN payout_runs r ON r.id = p.run_id"
        " WHERE p.state = 'paid'" + (" AND r.chain_key = ?" if chain_key else ""),
        (chain_key,) if chain_key else (),
    )
    paid: dict[str, int] = {}
    for address, amount in rows:
        paid[address] = paid.get(address, 0) + int(amount)
    return paid


async def ledger_paid_by_profile(db: Database) -> dict[int, int]:
    """What the ledger says was paid out to each member: payout debits minus their refunds."""
    rows = await db.fetch_all(
        "SELECT profile_id, sum(amount_hi), sum(amount_lo) FROM ledger"
        " WHERE cause IN ('payout', 'payout_refund') GROUP BY profile_id"
    )
    return {row[0]: -ledger.join(row[1], row[2]) for row in rows}


async def ledger_is_empty(db: Database) -> bool:
    return await db.fetch_one("SELECT 1 FROM ledger LIMIT 1") is None


def paid_to(raw: sqlite3.Connection, profile_id: int) -> list[tuple[int, str]]:
    """A member's paid payouts, oldest first: (amount in units, transaction hash)."""
    rows = raw.execute(
        "SELECT p.amount, t.mined_hash FROM payouts p JOIN payout_txs t ON t.id = p.tx_id"
        " WHERE p.profile_id = ? AND p.state = 'paid' ORDER BY p.paid_at, p.id",
        (profile_id,),
    ).fetchall()
    return [(int(row[0]), row[1]) for row in rows]
