"""A member links a payout wallet on Discord: /wallet link, sign, paste into the reply box."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from siwe import SiweMessage

from bots.conversation.core import Conversation
from bots.conversation.throttle import Throttle
from bots.discord.adapter import DiscordAdapter
from bots.discord.config import DiscordConfig
from storage.database import Database
from tests.clock import ManualClock
from tests.discord.conftest import WATCHED
from tests.discord.people import agree, press, run
from tests.support.discord_harness import CALLBACK_MODAL, DiscordHarness, FakeUser, MessageView
from wallet.linking import WalletLinker
from wallet.siwe_message import SiweRules

RULES = SiweRules("microtasks.local", "https://microtasks.local", 8453, community="Label_Guild")


@pytest.fixture
async def chat(
    conversation: Conversation, config: DiscordConfig, db: Database, clock: ManualClock
) -> AsyncIterator[DiscordHarness]:
    linker = WalletLinker(db, RULES, clock=clock, explorer_url="https://basescan.org")
    services = replace(conversation.services, wallet=linker)
    linking = Conversation(services, throttle=Throttle(rate=1000, burst=1000))
    async with DiscordHarness(
        DiscordAdapter(linking, config).client, watch_loggers=WATCHED
    ) as harness:
        yield harness


def sign(key: LocalAccount, message: str) -> str:
    return "0x" + key.sign_message(encode_defunct(text=message)).signature.hex()


def copied(shown: MessageView) -> str:
    """What a member copies from the code block: the text between the fences, exactly."""
    fenced = shown.content.split("```")
    assert len(fenced) == 3, "one code block"
    return fenced[1].strip("\n")


async def ask_to_link(chat: DiscordHarness, member: FakeUser, key: LocalAccount) -> MessageView:
    shown = await run(chat, member, "wallet", later=1, action="link", value=key.address.lower())
    return shown


async def test_link_sign_and_paste_the_signature_into_the_reply_box(chat: DiscordHarness) -> None:
    ada = chat.add_user("ada_lovelace")
    await agree(chat, ada)
    key: LocalAccount = Account.create()

    none = await run(chat, ada, "wallet")
    assert none.content.startswith("No payout wallet is linked yet.")
    assert "e.g. /wallet action:link value:0x5290" in none.content, "as typed on Discord"
    challenge = await ask_to_link(chat, ada, key)

    message = copied(challenge)
    assert SiweMessage.from_message(message).address == key.address
    assert f"discord account {ada.id} (@ada_lovelace) in Label_Guild" in message
    assert challenge.ephemeral and challenge.content.endswith("paste it there.")
    assert [b.label for b in challenge.buttons] == ["📋 Paste reply"]

    sent = await chat.click(ada, challenge, "📋 Paste reply")
    assert (await chat.wait_for("callback", interaction=sent)).response_type == CALLBACK_MODAL
    box = chat.last_modal(ada)
    assert box.title == "Your reply" and [i.label for i in box.inputs] == ["Paste it here"]
    sent = await chat.submit_modal(ada, box.custom_id, {"answer": sign(key, message)})
    await chat.wait_for("callback", interaction=sent)

    linked = chat.last_response(ada)
    assert linked.content.startswith("Linked! Your token payouts now go to this wallet:")
    shown = await run(chat, ada, "wallet")
    assert f"{key.address} (ordinary wallet)" in shown.content


async def test_the_signature_can_also_be_given_to_wallet_sign(chat: DiscordHarness) -> None:
    bob = chat.add_user("bob")
    await agree(chat, bob)
    key: LocalAccount = Account.create()
    challenge = await ask_to_link(chat, bob, key)

    signed = await run(chat, bob, "wallet", action="sign", value=sign(key, copied(challenge)))

    assert signed.content.startswith("Linked!")


async def test_a_wrong_signature_is_refused_and_the_box_can_be_used_again(
    chat: DiscordHarness,
) -> None:
    ada = chat.add_user("ada")
    await agree(chat, ada)
    key, mallory = Account.create(), Account.create()
    challenge = await ask_to_link(chat, ada, key)

    await press(chat, ada, challenge, "📋 Paste reply", later=0)
    box = chat.last_modal(ada)
    sent = await chat.submit_modal(ada, box.custom_id, {"answer": sign(mallory, copied(challenge))})
    await chat.wait_for("callback", interaction=sent)
    assert "This signature is not from" in chat.last_response(ada).content

    await press(chat, ada, challenge, "📋 Paste reply", later=0)
    sent = await chat.submit_modal(ada, box.custom_id, {"answer": sign(key, copied(challenge))})
    await chat.wait_for("callback", interaction=sent)
    assert chat.last_response(ada).content.startswith("Linked!")
