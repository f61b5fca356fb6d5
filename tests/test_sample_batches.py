"""A newcomer's console gets the example batches; a real community is not shown them unasked."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from microtasks.settings import Settings
from microtasks.wiring import build_services, load_sample_batches
from storage.database import Database


async def test_the_console_alone_gets_the_examples(db: Database, db_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{db_path}")

    loaded = await load_sample_batches(settings, build_services(settings, db))

    assert len(loaded) >= 4
    again = await load_sample_batches(settings, build_services(settings, db))
    assert again == [], "only into an empty database"


async def test_a_telegram_community_gets_none_unless_asked(db: Database, db_path: Path) -> None:
    token = SecretStr("123456:AAtokentokentokentokentokentokentoke")
    settings = Settings(database_url=f"sqlite:///{db_path}", telegram_bot_token=token)
    assert await load_sample_batches(settings, build_services(settings, db)) == []

    asked = Settings(
        database_url=f"sqlite:///{db_path}", telegram_bot_token=token, sample_batches=True
    )
    assert len(await load_sample_batches(asked, build_services(asked, db))) >= 4
