"""Payout wallets and the single-use Sign-In with Ethereum nonces that prove them.

A link is one transaction: the nonce is consumed and the wallet row written together, so a
signature (or a malleated copy of it) can link at most once. A refused link changes nothing: its
nonce stays unconsumed until it expires or a newer `/wallet link` replaces it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from enum import StrEnum

from storage.database import Database


class WalletKind(StrEnum):
    eoa = "eoa"  # an ordinary key pair: proved by signature recovery
    contract = "contract"  # a smart-contract wallet: proved by EIP-1271 isValidSignature


class NonceState(StrEnum):
    open = "open"
    used = "used"
    replaced = "replaced"
    expired = "expired"


@dataclass(frozen=True)
class Wallet:
    profile_id: int
    address: str
    kind: WalletKind
    linked_at: float


@dataclass(frozen=True)
class Challenge:
    """One issued message to sign, with the nonce it carries."""

    nonce: str
    profile_id: int
    address: str
    message: str
    issued_at: float
    expires_at: float
    used_at: float | None
    replaced_at: float | None

    def state(self, now: float) -> NonceState:
        if self.used_at is not None:
            return NonceState.used
        if self.replaced_at is not None:
            return NonceState.replaced
        if now >= self.expires_at:
            return NonceState.expired
        return NonceState.open


class NonceRefused(Exception):
    """The nonce cannot prove a link: unknown, someone else's, used, replaced or expired."""

    def __init__(self, reason: str, challenge: Challenge | None = None):
        super().__init__(reason)
        self.reason = reason
        self.challenge = challenge


class WalletTaken(Exception):
    """The wallet is linked to another profile."""

    def __init__(self, address: str):
        super().__init__(address)
        self.address = address


WALLET_COLUMNS = "profile_id, address, kind, linked_at"
CHALLENGE_COLUMNS = (
    "nonce, profile_id, address, message, issued_at, expires_at, used_at, replaced_at"
)


def _wallet(row: sqlite3.Row) -> Wallet:
    return Wallet(row["profile_id"], row["address"], WalletKind(row["kind"]), row["linked_at"])


def _challenge(row: sqlite3.Row) -> Challenge:
    return Challenge(
        row["nonce"],
        row["profile_id"],
        row["address"],
        row["message"],
        row["issued_at"],
        row["expires_at"],
        row["used_at"],
        row["replaced_at"],
    )


# Reads used by payouts


def payout_address(raw: sqlite3.Connection, profile_id: int) -> str | None:
    """The checksummed payout address of a profile, inside the caller's transaction."""
    row = raw.execute("SELECT address FROM wallets WHERE profile_id = ?", (profile_id,)).fetchone()
    return None if row is None else row[0]


async def linked_wallet(db: Database, profile_id: int) -> str | None:
    """The checksummed payout address of a profile, or None when it has not linked one."""
    return await db.fetch_value("SELECT address FROM wallets WHERE profile_id = ?", (profile_id,))


# Reads used by linking


async def wallet_of(db: Database, profile_id: int) -> Wallet | None:
    row = await db.fetch_one(
        f"SELECT {WALLET_COLUMNS} FROM wallets WHERE profile_id = ?", (profile_id,)
    )
    return None if row is None else _wallet(row)


async def owner_of(db: Database, address: str) -> int | None:
    """The profile a checksummed address is linked to, if any."""
    return await db.fetch_value("SELECT profile_id FROM wallets WHERE address = ?", (address,))


async def latest_challenge(db: Database, profile_id: int) -> Challenge | None:
    """The newest message issued to a profile, whatever its state."""
    row = await db.fetch_one(
        f"SELECT {CHALLENGE_COLUMNS} FROM wallet_nonces WHERE profile_id = ? "
        "ORDER BY rowid DESC LIMIT 1",
        (profile_id,),
    )
    return None if row is None else _challenge(row)


# Writes


async def issue_challenge(db: Database, challenge: Challenge) -> None:
    """Store a new message to sign; every earlier open message of the profile is replaced."""

    def job(raw: sqlite3.Connection) -> None:
        raw.execute(
            "UPDATE wallet_nonces SET replaced_at = ? "
            "WHERE profile_id = ? AND used_at IS NULL AND replaced_at IS NULL",
            (challenge.issued_at, challenge.profile_id),
        )
        raw.execute(
            f"INSERT INTO wallet_nonces ({CHALLENGE_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)",
            (
                challenge.nonce,
                challenge.profile_id,
                challenge.address,
                challenge.message,
                challenge.issued_at,
                challenge.expires_at,
            ),
        )

    await db.write(job)


async def link_wallet(
    db: Database, *, profile_id: int, nonce: str, address: str, kind: WalletKind, now: float
) -> Wallet:
    """Consume `nonce` and make `address` the profile's payout wallet, in one transaction.

    Raises NonceRefused or WalletTaken, and then nothing was changed (the nonce stays unused).
    """

    def job(raw: sqlite3.Connection) -> Wallet:
        row = raw.execute(
            f"SELECT {CHALLENGE_COLUMNS} FROM wallet_nonces WHERE nonce = ?", (nonce,)
        ).fetchone()
        if row is None:
            raise NonceRefused("unknown")
        challenge = _challenge(row)
        if challenge.profile_id != profile_id:
            raise NonceRefused("other_profile")
        state = challenge.state(now)
        if state is not NonceState.open:
            raise NonceRefused(state.value, challenge)
        if challenge.address != address:
            raise NonceRefused("other_address", challenge)
        owner = raw.execute("SELECT profile_id FROM wallets WHERE address = ?", (address,))
        owner_row = owner.fetchone()
        if owner_row is not None and owner_row[0] != profile_id:
            raise WalletTaken(address)
        consumed = raw.execute(
            "UPDATE wallet_nonces SET used_at = ? "
            "WHERE nonce = ? AND used_at IS NULL AND replaced_at IS NULL",
            (now, nonce),
        ).rowcount
        if consumed != 1:
            raise NonceRefused(NonceState.used.value, challenge)
        previous = raw.execute(
            f"SELECT {WALLET_COLUMNS} FROM wallets WHERE profile_id = ?", (profile_id,)
        ).fetchone()
        if previous is not None and previous["address"] != address:
            _record(raw, _wallet(previous), "unlinked", None, now)
        linked = raw.execute(
            f"INSERT INTO wallets ({WALLET_COLUMNS}) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (profile_id) DO UPDATE SET "
            "address = excluded.address, kind = excluded.kind, linked_at = excluded.linked_at "
            f"RETURNING {WALLET_COLUMNS}",
            (profile_id, address, kind.value, now),
        ).fetchone()
        wallet = _wallet(linked)
        _record(raw, wallet, "linked", nonce, now)
        return wallet

    return await db.write(job)


async def unlink_wallet(db: Database, profile_id: int, now: float) -> Wallet | None:
    """Remove the profile's payout wallet; returns what was removed (None: nothing was linked)."""

    def job(raw: sqlite3.Connection) -> Wallet | None:
        row = raw.execute(
            f"DELETE FROM wallets WHERE profile_id = ? RETURNING {WALLET_COLUMNS}", (profile_id,)
        ).fetchone()
        if row is None:
            return None
        wallet = _wallet(row)
        _record(raw, wallet, "unlinked", None, now)
        return wallet

    return await db.write(job)


def _record(
    raw: sqlite3.Connection, wallet: Wallet, event: str, nonce: str | None, now: float
) -> None:
    raw.execute(
        "INSERT INTO wallet_history (profile_id, address, kind, event, nonce, at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (wallet.profile_id, wallet.address, wallet.kind.value, event, nonce, now),
    )


async def wallet_history(db: Database, profile_id: int) -> list[tuple[str, str, float]]:
    """(event, address, at) for a profile, oldest first."""
    rows = await db.fetch_all(
        "SELECT event, address, at FROM wallet_history WHERE profile_id = ? ORDER BY id",
        (profile_id,),
    )
    return [(row["event"], row["address"], row["at"]) for row in rows]
