"""A member links a payout wallet in the chat: /wallet link, sign, paste, /wallet."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from siwe import SiweMessage

from bots.conversation.core import Conversation
from bots.conversation.events import Sender
from bots.conversation.i18n import catalog, plural_catalog
from bots.conversation.replies import Expect
from bots.conversation.throttle import Throttle
from storage.database import Database
from storage.wallets import linked_wallet
from tasks.kinds import Kind
from tests.clock import ManualClock
from tests.conversation.conftest import services_for
from tests.conversation.driver import ChatUser
from tests.tasks.builders import active_batch
from wallet.linking import WalletLinker
from wallet.siwe_message import SiweRules

RULES = SiweRules("microtasks.local", "https://microtasks.local", 8453, community="Label Guild")
EN, RU = catalog("en"), catalog("ru")
# every message by key; a counted one by its singular form, as the code's English text has it
EN_ALL = {**EN, **{key: forms[0] for key, forms in plural_catalog("en").items()}}
RU_ALL = {**RU, **{key: forms[0] for key, forms in plural_catalog("ru").items()}}
WALLET_CODE = Path(__file__).parents[2] / "wallet"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def conversation(db: Database, clock: ManualClock, tmp_path: Path) -> Conversation:
    linker = WalletLinker(db, RULES, clock=clock, explorer_url="https://basescan.org")
    services = replace(services_for(db, clock, tmp_path / "data"), wallet=linker)
    return Conversation(services, throttle=Throttle(rate=1000, burst=1000))


def chat_user(conversation: Conversation, name: str, language: str = "en") -> ChatUser:
    sender = Sender("telegram", name, display_name=name, username=name, language=language)
    return ChatUser(conversation, sender)


async def member(conversation: Conversation, name: str, language: str = "en") -> ChatUser:
    """A member who agreed to the rules (wallet linking stores data about them)."""
    user = chat_user(conversation, name, language)
    await user.send("/start")
    await user.press(catalog(language)["button.agree"])
    return user


def sign(key: LocalAccount, message: str) -> str:
    return "0x" + key.sign_message(encode_defunct(text=message)).signature.hex()


async def test_link_sign_paste_and_see_the_wallet(conversation: Conversation, db: Database) -> None:
    ada = await member(conversation, "ada")
    key: LocalAccount = Account.create()

    await ada.send("/wallet")
    assert ada.text == EN["wallet.none"]

    await ada.send(f"/wallet link {key.address.lower()}")
    assert ada.replies[0].text.startswith(f"To link {key.address}:")
    message = ada.last.text  # alone in its reply, so it copies whole
    assert ada.last.expects is Expect.text
    assert SiweMessage.from_message(message).address == key.address
    assert "telegram account ada (@ada) in Label Guild" in message

    await ada.send(sign(key, message))
    assert ada.text.startswith(EN["wallet.linked"])
    assert key.address in ada.text

    await ada.send("/wallet")
    assert ada.text.splitlines() == [
        EN["wallet.title"],
        f"{key.address} (ordinary wallet)",
        f"https://basescan.org/address/{key.address}",
        EN["wallet.change"],
    ]
    assert await linked_wallet(db, (await conversation.person(ada.sender)).profile.id)


async def test_a_bad_signature_gets_a_clear_message_and_changes_nothing(
    conversation: Conversation,
) -> None:
    ada = await member(conversation, "ada")
    key, mallory = Account.create(), Account.create()
    await ada.send(f"/wallet link {key.address}")
    message = ada.last.text

    await ada.send(sign(mallory, message))
    assert ada.text == EN["wallet.signature_mismatch"].format(address=key.address)
    await ada.send("0x1234567890abcdef1234567890")
    assert ada.text == EN["wallet.signature_length"].format(digits=26)
    await ada.send("/wallet")
    assert ada.text == EN["wallet.none"]

    await ada.send(sign(key, message))
    assert ada.text.startswith(EN["wallet.linked"])


async def test_a_replayed_signature_is_refused(conversation: Conversation) -> None:
    ada = await member(conversation, "ada")
    key: LocalAccount = Account.create()
    await ada.send(f"/wallet link {key.address}")
    signature = sign(key, ada.last.text)
    await ada.send(signature)
    await ada.send("/wallet unlink")
    assert ada.text == EN["wallet.unlinked"].format(address=key.address)

    await ada.send(f"/wallet {signature}")

    assert ada.text == EN["wallet.nonce_used"]
    await ada.send("/wallet")
    assert ada.text == EN["wallet.none"]


async def test_typed_text_that_is_no_signature_still_answers_a_text_task(
    conversation: Conversation, db: Database
) -> None:
    await active_batch(db, Kind.text, items=1, overlap=1)
    ada = chat_user(conversation, "ada")
    await ada.send("/start")
    await ada.press(EN["button.agree"])
    await ada.send(f"/wallet link {Account.create().address}")

    await ada.send("A cat sleeping on a red sofa")

    saved = await db.fetch_value("SELECT value FROM answers")
    assert saved == '"A cat sleeping on a red sofa"'


async def test_a_signature_with_no_link_waiting_says_how_to_link_and_is_not_saved(
    conversation: Conversation, db: Database
) -> None:
    await active_batch(db, Kind.text, items=1, overlap=1)
    ada = chat_user(conversation, "ada")
    await ada.send("/start")
    await ada.press(EN["button.agree"])

    await ada.send("0x" + "ab" * 65)

    assert ada.text == EN["wallet.stray_signature_unlinked"]
    assert await db.fetch_value("SELECT COUNT(*) FROM answers") == 0


async def test_a_signature_pasted_again_after_linking_is_no_text_answer(
    conversation: Conversation, db: Database
) -> None:
    await active_batch(db, Kind.text, items=1, overlap=1)
    ada = chat_user(conversation, "ada")
    key: LocalAccount = Account.create()
    await ada.send("/start")
    await ada.press(EN["button.agree"])
    await ada.send(f"/wallet link {key.address}")
    signature = sign(key, ada.last.text)
    await ada.send(signature)
    assert ada.text.startswith(EN["wallet.linked"])
    await ada.send("/task")

    await ada.send(signature)

    assert ada.text == EN["wallet.stray_signature_linked"].format(address=key.address)
    assert await db.fetch_value("SELECT COUNT(*) FROM answers") == 0
    await ada.send("A cat sleeping on a red sofa")
    assert await db.fetch_value("SELECT value FROM answers") == '"A cat sleeping on a red sofa"'


async def test_wallet_usage_and_a_malformed_address(conversation: Conversation) -> None:
    ada = await member(conversation, "ada")

    await ada.send("/wallet link")
    assert ada.text == EN["wallet.link_usage"]
    await ada.send("/wallet link ada.eth")
    assert ada.text == EN["wallet.bad_address"].format(given="ada.eth")
    await ada.send("/wallet frobnicate")
    assert ada.text == EN["wallet.usage"]
    await ada.send("/wallet unlink")
    assert ada.text == EN["wallet.none"]


async def test_a_russian_member_links_a_wallet_in_russian(conversation: Conversation) -> None:
    ivan = await member(conversation, "ivan", language="ru")
    key, stranger = Account.create(), Account.create()

    await ivan.send(f"/wallet link {key.address}")
    assert ivan.replies[0].text.startswith(f"Чтобы привязать {key.address}:")
    assert ivan.replies[0].text.endswith("истекает через 10 минут.")
    message = ivan.last.text
    assert message.isascii()  # the signed message itself stays in EIP-4361's English form
    await ivan.send(sign(stranger, message))
    assert ivan.text == RU["wallet.signature_mismatch"].format(address=key.address)

    await ivan.send(sign(key, message))
    assert ivan.text.startswith(RU["wallet.linked"])
    await ivan.send("/wallet")
    assert f"{key.address} ({RU['wallet.kind_eoa']})" in ivan.text


async def test_without_a_linker_wallet_says_it_is_not_available(
    db: Database, clock: ManualClock, tmp_path: Path
) -> None:
    services = services_for(db, clock, tmp_path / "data")
    conversation = Conversation(services, throttle=Throttle(rate=1000, burst=1000))
    ada = await member(conversation, "ada")

    await ada.send("/wallet link 0x52908400098527886E0F7030069857D2E4169EE7")

    assert ada.text == EN["wallet.unavailable"]


def test_every_wallet_problem_has_english_and_russian_text() -> None:
    raised = set()
    for path in WALLET_CODE.glob("*.py"):
        raised |= set(re.findall(r'"(wallet\.[a-z_]+)"', path.read_text()))

    assert len(raised) > 15
    assert sorted(raised - set(EN_ALL)) == []
    assert sorted(raised - set(RU_ALL)) == []


def test_every_wallet_problem_text_matches_its_english_catalog_entry() -> None:
    """The command line prints the code's English text; the chat shows the catalog's."""
    checked = []
    for path in WALLET_CODE.glob("*.py"):
        source = path.read_text()
        for key, text in re.findall(r'"(wallet\.[a-z_]+)",\s*((?:"[^"]*"\s*)+)', source):
            english = "".join(re.findall(r'"([^"]*)"', text))
            assert EN_ALL[key] == english, key
            checked.append(key)
    assert len(checked) > 15
