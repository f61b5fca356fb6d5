"""A member's own pages in Telegram: linking a payout wallet by pasting a signature, and /me,
/leaderboard, /history read from the ledger."""

from __future__ import annotations

from decimal import Decimal

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from siwe import SiweMessage

from bots.conversation.i18n import catalog
from storage.database import Database
from storage.wallets import linked_wallet
from tasks.kinds import Kind
from tests.tasks.builders import active_batch
from tests.telegram.member import Member, text_of

EN = catalog("en")


def sign(key: LocalAccount, message: str) -> str:
    return "0x" + key.sign_message(encode_defunct(text=message)).signature.hex()


async def profile_of(db: Database, member: Member) -> int:
    return await db.fetch_value(
        "SELECT profile_id FROM accounts WHERE platform = 'telegram' AND external_id = ?",
        (str(member.id),),
    )


async def test_a_member_links_a_wallet_by_pasting_the_signature(db: Database, bot, member) -> None:
    ada = member("Ada")
    await ada.send("/start")
    await ada.press("I agree")
    key: LocalAccount = Account.create()
    assert text_of(await ada.send("/wallet")) == EN["wallet.none"]

    message = text_of(await ada.send(f"/wallet link {key.address.lower()}", new=2))
    steps = ada.texts[-2]
    assert steps.startswith(f"To link {key.address}:")
    assert SiweMessage.from_message(message).address == key.address, "copies whole, as sent"
    assert f"telegram account {ada.id} (@ada) in Label Guild" in message

    linked = await ada.send(sign(key, message))
    assert text_of(linked).splitlines() == [
        EN["wallet.linked"],
        f"{key.address} (ordinary wallet)",
        f"https://basescan.org/address/{key.address}",
    ]
    shown = await ada.send("/wallet")
    assert text_of(shown).splitlines()[:2] == [
        EN["wallet.title"],
        f"{key.address} (ordinary wallet)",
    ]
    assert await linked_wallet(db, await profile_of(db, ada)) is not None


async def test_a_signature_by_another_key_is_refused_and_links_nothing(
    db: Database, bot, member
) -> None:
    ada = member("Ada")
    await ada.send("/start")
    await ada.press("I agree")
    key, mallory = Account.create(), Account.create()
    message = text_of(await ada.send(f"/wallet link {key.address}", new=2))

    refused = await ada.send(sign(mallory, message))

    assert text_of(refused) == EN["wallet.signature_mismatch"].format(address=key.address)
    assert await linked_wallet(db, await profile_of(db, ada)) is None


async def test_standing_history_and_leaderboard_come_from_the_ledger(
    db: Database, bot, member
) -> None:
    await active_batch(db, Kind.choice, items=4, overlap=1, reward=Decimal("0.5"))
    ada, bob = member("Ada"), member("Bob")
    await ada.send("/start")
    await ada.press("I agree")
    await ada.press("yes")
    await ada.press("no")
    await bob.send("/start")
    await bob.press("I agree")
    await bob.press("yes")

    me = await ada.send("/me")
    assert text_of(me).splitlines()[:3] == [
        "👤 Ada",
        "Balance: 1 token (earned in all: 1 token)",
        "Answers: 2 accepted, 0 waiting for review, 0 not accepted",
    ]
    board = await bob.send("/leaderboard")
    assert text_of(board).splitlines() == [
        "🏆 Top members (points earned):",
        "1. Ada — 1 token",
        "2. Bob — 0.5 tokens ←",
    ]
    history = text_of(await bob.send("/history")).splitlines()
    assert history[0] == "🧾 Your latest answers:"
    assert history[1].endswith("· choice batch · yes — accepted")
    assert history[2] == "    +0.5 tokens for the answer"
