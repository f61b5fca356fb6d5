"""Payout rows as the code reads them: runs, payouts, transactions and their versions."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

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
