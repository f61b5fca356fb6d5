"""What every flow works with: the services, and the person it is talking to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bots.conversation.events import Sender
from bots.conversation.i18n import Translator
from storage.database import Database
from storage.identity import Account, Profile
from tasks.batch_file import Limits
from tasks.batches import BatchService
from tasks.engine import Member, TaskEngine

if TYPE_CHECKING:
    from wallet.linking import WalletLinker


@dataclass
class Services:
    db: Database
    engine: TaskEngine
    batches: BatchService
    clock: Callable[[], float]
    data_dir: Path
    batch_limits: Limits = field(default_factory=Limits)
    max_export_bytes: int = 45 * 1024 * 1024  # an export sent in chat; Telegram uploads 50 MB
    moderator_ids: frozenset[str] = frozenset()  # "platform:id" entries from the settings
    wallet: WalletLinker | None = None  # None: wallet linking is not configured


@dataclass(frozen=True)
class Person:
    sender: Sender
    account: Account
    profile: Profile
    t: Translator
    is_moderator: bool

    @property
    def member(self) -> Member:
        return Member(self.profile.id, self.sender.platform)
