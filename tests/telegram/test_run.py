"""`microtasks run` with TELEGRAM_BOT_TOKEN set serves Telegram; a wrong token stops it with a
message that names the setting and never shows the token."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from pathlib import Path

from tests.support.telegram_api import FakeTelegramServer

MICROTASKS = str(Path(sys.executable).parent / "microtasks")


async def start(
    workdir: Path, token: str, server: FakeTelegramServer | str, log_level: str = "WARNING"
) -> asyncio.subprocess.Process:
    api = server if isinstance(server, str) else server.api_base_url
    return await asyncio.create_subprocess_exec(
        MICROTASKS,
        "run",
        cwd=workdir,
        env={
            "PATH": "/usr/bin:/bin",
            "TELEGRAM_BOT_TOKEN": token,
            "TELEGRAM_API_BASE_URL": api,
            "LOG_LEVEL": log_level,
            "SAMPLE_BATCHES": "true",  # asked for: with a token alone, none are loaded
        },
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_microtasks_run_serves_telegram_with_the_sample_batches(
    server: FakeTelegramServer, tmp_path: Path
) -> None:
    ada = server.add_user("Ada", "ada")
    bot = await start(tmp_path, server.token, server)
    try:
        server.user_sends(ada, "/start")
        welcome = await server.wait_for("sendMessage", timeout=20)
        server.user_clicks_button(ada, welcome.result, "I agree")
        task = await server.wait_for("sendMessage", timeout=5)
    finally:
        bot.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(bot.communicate(), timeout=15)

    assert bot.returncode == 0, stderr.decode()
    assert task.result["text"].startswith("📋"), "a sample batch task"
    assert server.token.encode() not in stderr


async def test_a_rejected_token_stops_the_bot_without_showing_the_token(
    server: FakeTelegramServer, tmp_path: Path
) -> None:
    wrong = "987654321:AAWrongTokenWrongTokenWrongToken00"
    bot = await start(tmp_path, wrong, server)
    _, stderr = await asyncio.wait_for(bot.communicate(), timeout=20)

    assert bot.returncode == 2
    assert stderr.decode().splitlines() == [
        "microtasks: TELEGRAM_BOT_TOKEN was rejected by Telegram; copy it again from @BotFather"
    ], "the one line alone, no traceback"
    assert wrong.encode() not in stderr and b"AAWrongToken" not in stderr


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_an_unreachable_bot_api_stops_the_bot_with_one_line(tmp_path: Path) -> None:
    api = f"http://127.0.0.1:{closed_port()}"
    token = "123456789:AAUnreachableUnreachableUnreach00"
    bot = await start(tmp_path, token, api)
    _, stderr = await asyncio.wait_for(bot.communicate(), timeout=60)

    assert bot.returncode == 2
    (line,) = stderr.decode().splitlines()
    assert line.startswith(f"microtasks: could not reach the Telegram Bot API at {api}/bot")
    assert "Traceback" not in line and token not in line


async def test_at_the_default_log_level_a_rejected_token_is_never_said_to_have_started(
    server: FakeTelegramServer, tmp_path: Path
) -> None:
    bot = await start(tmp_path, "987654321:AAWrongTokenWrongTokenWrongToken00", server, "INFO")
    _, stderr = await asyncio.wait_for(bot.communicate(), timeout=20)

    lines = stderr.decode().splitlines()
    assert bot.returncode == 2
    assert lines[-1] == (
        "microtasks: TELEGRAM_BOT_TOKEN was rejected by Telegram; copy it again from @BotFather"
    )
    assert not [line for line in lines if "bot.started" in line or "Traceback" in line]
    assert all(line.startswith("ts=") for line in lines[:-1]), "the rest are log lines"
