"""Operators read one line per event; secrets never reach a log line."""

from __future__ import annotations

import json
import logging

import pytest

from microtasks.logs import configure_logging, log_event
from microtasks.settings import load_settings

TOKEN = "123456:AAF-very-secret-token"


def test_an_event_is_one_key_value_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "kv")

    log_event(logging.getLogger("microtasks.test"), "batch.imported", batch=7, title="Two words")

    line = capsys.readouterr().err.strip()
    assert "\n" not in line
    assert "event=batch.imported" in line and "batch=7" in line and 'title="Two words"' in line


def test_json_format_gives_one_object_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "json")

    log_event(logging.getLogger("microtasks.test"), "payout.sent", amount="1.5")

    record = json.loads(capsys.readouterr().err)
    assert record["event"] == "payout.sent" and record["amount"] == "1.5"


def test_a_bot_token_is_masked_wherever_it_appears(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    settings = load_settings()
    configure_logging("INFO", "kv", settings.secrets())
    logger = logging.getLogger("microtasks.test")

    log_event(logger, "request.failed", url=f"https://api.telegram.org/bot{TOKEN}/getMe")
    try:
        raise RuntimeError(f"refused {TOKEN}")
    except RuntimeError:
        logger.exception("adapter.crashed")

    output = capsys.readouterr().err
    assert TOKEN not in output
    assert "bot***/getMe" in output
    assert TOKEN not in repr(settings) and TOKEN not in str(settings.model_dump())
