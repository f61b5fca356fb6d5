"""One line per event, as key=value pairs or JSON, with every known secret masked.

Call sites use `log_event(logger, "event.name", key=value, ...)`. The formatter masks every
registered secret wherever it appears in the line, including in tracebacks.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MASK = "***"
_secrets: set[str] = set()


def register_secrets(values: list[str]) -> None:
    """Remember secret values so that no log line ever shows them."""
    _secrets.update(value for value in values if len(value) >= 4)


def mask_secrets(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def log_event(logger: logging.Logger, event: str, level: int = logging.INFO, **fields: Any) -> None:
    logger.log(level, event, extra={"fields": fields})


def _format_value(value: Any) -> str:
    text = str(value)
    if text == "" or any(char in text for char in ' ="\n'):
        return json.dumps(text, ensure_ascii=False)
    return text


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        pairs = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            pairs["error"] = self.formatException(record.exc_info)
        line = " ".join(f"{key}={_format_value(value)}" for key, value in pairs.items())
        return mask_secrets(line)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            payload["error"] = self.formatException(record.exc_info)
        return mask_secrets(json.dumps(payload, ensure_ascii=False, default=str))


class StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is at the time of each line (a test runner swaps it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def configure_logging(
    level: str = "INFO",
    fmt: str = "kv",
    secrets: list[str] | None = None,
    file: Path | None = None,
) -> None:
    """Log lines to stderr, or appended to `file` while the console chat uses the terminal.

    A file that cannot be opened (an unwritable DATA_DIR) leaves the lines on stderr, where the
    start-up warning about that folder can be read.
    """
    register_secrets(secrets or [])
    handler: logging.Handler = StderrHandler()
    if file is not None:
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.FileHandler(file, encoding="utf-8")
        except OSError:
            pass
    handler.setFormatter(JsonFormatter() if fmt == "json" else KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Chat libraries log request URLs, which carry the bot token, and web3 logs the node's URL,
    # which often carries a provider's API key; keep them at warnings.
    quiet = ("httpx", "httpcore", "telegram", "discord", "apscheduler", "aiosqlite", "web3")
    for noisy in quiet:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
