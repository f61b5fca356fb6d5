"""A bot's scheduled jobs on a real database, driven by a clock the tests move by hand."""

from __future__ import annotations

import io
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from eth_account import Account

from bots.console.adapter import ConsoleAdapter
from microtasks.settings import Settings, load_settings
from microtasks.wiring import build_conversation, translate
from scheduler.jobs import runner_for
from scheduler.runner import JobRunner
from storage import ledger
from storage.database import Database
from storage.identity import Platform, ensure_account
from storage.wallets import Challenge, WalletKind, issue_challenge, link_wallet
from tests.clock import ManualClock
from tests.telegram.conftest import (  # noqa: F401  (the Telegram adapter over loopback)
    config,
    conversation,
    member,
    moderator_user,
    server,
    services,
    start_bot,
)

TOKEN = 10**18  # the embedded demo token has 18 decimals


def at(text: str) -> float:
    """A moment given as 'YYYY-MM-DD HH:MM[:SS]' in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(at("2026-06-01 11:00"))


@pytest.fixture
def settings(db_path: Path, tmp_path: Path) -> Settings:
    return load_settings(
        database_url=f"sqlite:///{db_path}",
        data_dir=tmp_path / "data",
        payouts_cron="0 12 * * *",
        digest_cron="0 8 * * *",
        streak_reminder_cron="0 18 * * *",
        moderators=["console:mod"],
        sample_batches=False,
    )


def runner(
    settings: Settings,
    db: Database,
    clock: ManualClock,
    adapters: Sequence[object] = (),
    holder: str | None = None,
) -> JobRunner:
    return runner_for(
        settings, db, translate=translate, adapters=adapters, clock=clock, holder=holder
    )


def console(settings: Settings, db: Database) -> tuple[ConsoleAdapter, io.StringIO]:
    """The real console adapter, printing into a buffer the test can read."""
    screen = io.StringIO()
    adapter = ConsoleAdapter(
        build_conversation(settings, db), settings.data_dir, stdin=io.StringIO(), stdout=screen
    )
    return adapter, screen


async def owed_member(db: Database, name: str, tokens: int) -> int:
    """A member with a linked wallet and `tokens` whole tokens on the ledger."""
    account = await ensure_account(db, Platform.console, name, display_name=name)
    address = Account.create().address
    now = time.time()
    nonce = f"nonce-{name}".ljust(16, "0")
    await issue_challenge(
        db, Challenge(nonce, account.profile_id, address, "sign in", now, now + 600, None, None)
    )
    await link_wallet(
        db,
        profile_id=account.profile_id,
        nonce=nonce,
        address=address,
        kind=WalletKind.eoa,
        now=now,
    )
    await ledger.grant(db, account.profile_id, tokens * TOKEN, "for the test", None, now)
    return account.profile_id


async def payout_debits(db: Database, profile_id: int) -> int:
    return sum(1 for e in await ledger.entries(db, profile_id) if e.cause == "payout")
