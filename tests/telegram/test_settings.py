"""How the operator's settings become the Telegram bot: API server, moderators, polling or a
webhook (run for real on loopback: Telegram's post is answered, a forged one refused)."""

from __future__ import annotations

import socket
from dataclasses import replace

import aiohttp
from pydantic import SecretStr

from bots.telegram.adapter import TelegramAdapter, polling_arguments, webhook_arguments
from bots.telegram.config import TelegramConfig, api_urls
from microtasks.settings import load_settings
from tests.support.telegram_api import FakeTelegramServer
from tests.telegram.conftest import running
from tests.telegram.member import text_of


def test_settings_name_the_api_server_the_community_and_the_moderators() -> None:
    settings = load_settings(
        telegram_bot_token="123:abc",
        telegram_api_base_url="http://localhost:8081/bot",
        telegram_community_chat="microtasks_community",
        moderators="telegram:42,discord:7,console:alice",
    )

    config = TelegramConfig.from_settings(settings)

    assert config.urls == ("http://localhost:8081/bot", "http://localhost:8081/file/bot")
    assert config.community_chat == "@microtasks_community"
    assert config.moderator_ids == (42,)
    assert config.webhook_url is None
    assert polling_arguments(config)["allowed_updates"] == ["message", "callback_query"]
    assert api_urls(None) == ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot")
    assert (
        TelegramConfig.from_settings(
            load_settings(telegram_bot_token="1:a", telegram_community_chat="-100123")
        ).community_chat
        == -100123
    )


def test_webhook_mode_listens_on_the_path_of_the_public_url() -> None:
    settings = load_settings(
        telegram_bot_token="123:abc",
        telegram_webhook_url="https://bot.example.org/microtasks/telegram",
        telegram_webhook_listen="127.0.0.1",
        telegram_webhook_port=8443,
        telegram_webhook_secret="a-long_secret",
    )

    arguments = webhook_arguments(TelegramConfig.from_settings(settings), "a-long_secret")

    assert arguments == {
        "listen": "127.0.0.1",
        "port": 8443,
        "url_path": "microtasks/telegram",
        "webhook_url": "https://bot.example.org/microtasks/telegram",
        "secret_token": "a-long_secret",
        "allowed_updates": ["message", "callback_query"],
        "bootstrap_retries": 3,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_a_webhook_bot_answers_telegrams_posts_and_refuses_forged_ones(
    conversation, config: TelegramConfig, member, server: FakeTelegramServer
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/hooks/telegram"
    hooked = replace(
        config,
        webhook_url=url,
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_secret=SecretStr("not-guessable"),
    )
    ada = member("Ada")

    adapter = TelegramAdapter(conversation, hooked)
    async with running(adapter):
        assert server.webhook is not None and server.webhook["url"] == url
        assert server.webhook["secret_token"] == "not-guessable"

        server.user_sends(ada.user, "/start")
        update = server.pending_updates[-1]
        async with aiohttp.ClientSession() as http:
            forged = await http.post(url, json=update, headers=secret("guessed"))
            since = server.mark()
            posted = await http.post(url, json=update, headers=secret("not-guessable"))
            reply = await ada.answered(since, new=1)

    assert forged.status == 403 and posted.status == 200
    assert text_of(reply).startswith("Welcome to microtasks!")
    assert len(server.sent_messages(ada.user)) == 1


def secret(token: str) -> dict[str, str]:
    return {"X-Telegram-Bot-Api-Secret-Token": token}
