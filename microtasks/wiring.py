"""Build the services from settings: the one place that knows how the parts fit."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from microtasks.logs import log_event
from storage import schema
from storage.database import Database

if TYPE_CHECKING:
    from bots.conversation.context import Services
    from bots.conversation.core import Conversation
    from microtasks.settings import Settings
    from wallet.linking import WalletLinker

# The conversation core, the task services and the settings are imported where they are used, so
# that `microtasks --help` and the commands that only read the database start quickly.

logger = logging.getLogger("microtasks.wiring")
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@asynccontextmanager
async def open_database(settings: Settings, *, create: bool = False) -> AsyncIterator[Database]:
    """The database, upgraded first if `AUTO_MIGRATE` allows, closed on exit.

    With `create` (the bot), a missing database is created and must be writable; other commands
    need one there, and read one that cannot be written (their writes refused saying why)."""
    path = settings.database_path
    await schema.ensure_current(path, auto_upgrade=settings.auto_migrate, create=create)
    db = await Database.open(path, create=create)
    try:
        yield db
    finally:
        await db.close()


def build_wallet_linker(settings: Settings, db: Database, w3: Any = None) -> WalletLinker:
    """Wallet linking by signature; `w3` (an AsyncWeb3) also lets contract wallets link."""
    from wallet.linking import WalletLinker
    from wallet.siwe_message import SiweRules

    rules = SiweRules(
        domain=settings.siwe_domain,
        uri=settings.siwe_uri,
        chain_id=settings.chain_id,
        ttl_seconds=settings.siwe_ttl_seconds,
        community=settings.community_name,
    )
    return WalletLinker(db, rules, w3=w3, explorer_url=settings.explorer_url)


def build_services(settings: Settings, db: Database, w3: Any = None) -> Services:
    from bots.conversation.context import Services
    from tasks.batches import BatchService
    from tasks.engine import TaskEngine

    clock = time.time
    return Services(
        db=db,
        engine=TaskEngine(db, clock=clock),
        batches=BatchService(db, clock=clock),
        clock=clock,
        data_dir=settings.data_dir,
        batch_limits=settings.batch_limits,
        moderator_ids=frozenset(settings.moderators),
        wallet=build_wallet_linker(settings, db, w3),
    )


def chain_w3(settings: Settings) -> Any:
    """AsyncWeb3 on the configured node (CHAIN_RPC_URL), for contract-wallet (EIP-1271) checks;
    None without a node. web3 is imported only then: it takes about a second."""
    if not settings.chain_rpc_url:
        return None
    from web3 import AsyncHTTPProvider, AsyncWeb3

    return AsyncWeb3(AsyncHTTPProvider(settings.chain_rpc_url.get_secret_value()))


def build_conversation(settings: Settings, db: Database) -> Conversation:
    from bots.conversation.core import Conversation

    return Conversation(build_services(settings, db, chain_w3(settings)))


def translate(key: str, languages: Sequence[str | None], /, **params: object) -> str:
    """Message `key` from the catalogs, in the first of `languages` they have: the scheduler's
    `Translate` (scheduler/outlets.py)."""
    from bots.conversation.i18n import Translator, pick_language

    return Translator(pick_language(*languages))(key, **params)


async def record_embedded_token(settings: Settings, db: Database) -> None:
    """On the embedded chain, amounts name its token from the first reply (a real chain's token
    is recorded when payouts first connect to it)."""
    from storage.ledger import set_token_fact
    from wallet.embedded_token import embedded_symbol

    symbol = embedded_symbol(settings.chain_rpc_url, settings.token_address)
    if symbol is not None:
        await set_token_fact(db, "symbol", symbol)


async def load_sample_batches(settings: Settings, services: Services) -> list[int]:
    """Into an empty database, the example batches, active, so a newcomer can label at once.

    Unless SAMPLE_BATCHES says otherwise, only for the console alone: a real community on
    Telegram or Discord is not announced example batches it never asked for.
    """
    from microtasks.settings import Adapter
    from tasks.batch_file import ImportFailed, read_batch_file

    wanted = settings.sample_batches
    if wanted is None:
        wanted = settings.adapters == [Adapter.console]
    if not wanted or await services.batches.list() or not EXAMPLES.is_dir():
        return []
    loaded = []
    for path in sorted(EXAMPLES.glob("*.jsonl")):
        try:
            draft = read_batch_file(path, limits=settings.batch_limits)
        except ImportFailed as failed:
            log_event(logger, "samples.skipped", logging.WARNING, file=path.name, error=failed)
            continue
        loaded.append(await services.batches.import_draft(draft, activate=True))
    log_event(logger, "samples.loaded", batches=len(loaded))
    return loaded
