"""A member's /history says which accepted answers have been paid out, and by which transaction."""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from bots.conversation.core import Conversation
from bots.conversation.events import Sender
from bots.conversation.throttle import Throttle
from microtasks.cli import app
from storage.database import Database
from tasks.kinds import Kind
from tasks.standing import paid_answers
from tests.clock import ManualClock
from tests.conversation.conftest import services_for
from tests.conversation.driver import ChatUser
from tests.payouts.conftest import member_with_wallet
from tests.tasks.builders import active_batch

EMBEDDED_CHAIN_ID = 131277322940537


def test_payouts_cover_earnings_first_in_first_out() -> None:
    earnings = [(1, 5), (None, 2), (2, 5), (3, 5), (3, -5), (4, 5)]  # a grant; answer 3 reversed
    paid = [(6, "0xaa"), (6, "0xbb")]

    assert paid_answers(earnings, paid) == {1: "0xaa", 2: "0xbb"}
    assert paid_answers(earnings, []) == {}
    assert paid_answers(earnings, [(17, "0xcc")]) == {1: "0xcc", 2: "0xcc", 3: "0xcc", 4: "0xcc"}
    in_debt = [(None, -10), (1, 5), (2, 8)]  # an admin's debit came first
    assert paid_answers(in_debt, []) == {}
    assert paid_answers(in_debt, [(3, "0xdd")]) == {2: "0xdd"}


async def test_history_names_the_payout_of_each_paid_answer(db: Database, tmp_path: Path) -> None:
    await active_batch(db, Kind.choice, items=5, overlap=1, reward=Decimal("1"))
    await member_with_wallet(db, "ada", EMBEDDED_CHAIN_ID)
    services = services_for(db, ManualClock(), tmp_path / "data")
    conversation = Conversation(services, throttle=Throttle(rate=1000, burst=1000))
    ada = ChatUser(conversation, Sender("telegram", "ada", display_name="ada", language="en"))
    await ada.send("/start")
    await ada.press("I agree")
    for _ in range(3):
        await ada.press("yes")

    paid = await asyncio.to_thread(CliRunner().invoke, app, ["payouts", "run", "--yes"])
    assert paid.exit_code == 0, paid.output
    await ada.press("yes")  # earned after the payout: not paid yet
    await ada.send("/history")

    rows = [line for line in ada.text.splitlines() if line.startswith("#")]
    assert len(rows) == 4
    assert rows[0].endswith("— accepted"), "the newest answer is not paid out yet"
    paid_out = [re.search(r"paid out: (0x[0-9a-f]{8}…[0-9a-f]{4})$", row) for row in rows[1:]]
    hashes = {found[1] for found in paid_out if found is not None}
    assert len(paid_out) == 3 and None not in paid_out, rows
    assert len(hashes) == 1, "the three older answers were paid by one transaction"
