"""An operator upgrades the database; the bot refuses a database newer than itself."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microtasks.cli import app
from storage import schema
from storage.schema import Migration, SchemaError, known_migrations, split_statements


async def test_a_fresh_database_gets_every_migration_in_order(db_path: Path) -> None:
    applied = await schema.upgrade(db_path)

    assert [m.version for m in applied] == [m.version for m in known_migrations()]
    status = await schema.schema_status(db_path)
    assert status.pending == []
    assert status.current == known_migrations()[-1].version
    tables = {
        row[0]
        for row in sqlite3.connect(db_path).execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
        )
    }
    assert {"profiles", "accounts", "schema_migrations"} <= tables


async def test_upgrading_again_changes_nothing(db_path: Path) -> None:
    await schema.upgrade(db_path)
    before = sqlite3.connect(db_path).execute("SELECT * FROM schema_migrations").fetchall()

    assert await schema.upgrade(db_path) == []

    after = sqlite3.connect(db_path).execute("SELECT * FROM schema_migrations").fetchall()
    assert after == before


async def test_a_database_newer_than_the_code_is_refused(db_path: Path) -> None:
    await schema.upgrade(db_path)
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "INSERT INTO schema_migrations VALUES (9999, 'from_the_future', 'x', '2030-01-01')"
        )

    with pytest.raises(SchemaError, match=r"schema version 9999.*knows versions up to"):
        await schema.upgrade(db_path)
    with pytest.raises(SchemaError, match="install the newer microtasks"):
        await schema.ensure_current(db_path, auto_upgrade=False)


async def test_a_failing_migration_leaves_no_trace(db_path: Path) -> None:
    good = Migration(1, "first", "CREATE TABLE first (id INTEGER PRIMARY KEY);")
    bad = Migration(2, "broken", "CREATE TABLE half (id INTEGER);\nINSERT INTO nowhere VALUES (1);")

    with pytest.raises(SchemaError, match="0002_broken failed and was rolled back"):
        await schema.upgrade(db_path, [good, bad])

    conn = sqlite3.connect(db_path)
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert "first" in tables and "half" not in tables
    assert conn.execute("SELECT version FROM schema_migrations").fetchall() == [(1,)]


async def test_pending_migrations_stop_the_bot_when_auto_upgrade_is_off(db_path: Path) -> None:
    await schema.upgrade(db_path, known_migrations()[:1])  # a database an older build made

    with pytest.raises(SchemaError, match="run `microtasks db upgrade`"):
        await schema.ensure_current(db_path, auto_upgrade=False)


async def test_status_notices_an_applied_file_that_changed(db_path: Path) -> None:
    original = Migration(1, "first", "CREATE TABLE first (id INTEGER);")
    await schema.upgrade(db_path, [original])

    edited = Migration(1, "first", "CREATE TABLE first (id INTEGER, extra TEXT);")
    status = await schema.schema_status(db_path, [edited])

    assert status.changed == [1]


def test_trigger_bodies_stay_whole_when_a_script_is_split() -> None:
    script = """
    CREATE TABLE t (n INTEGER);
    CREATE TRIGGER t_guard BEFORE UPDATE ON t BEGIN
        SELECT RAISE(ABORT, 'append only');
    END;
    -- a closing comment
    """
    statements = split_statements(script)

    assert len(statements) == 2
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")


def test_migration_files_are_numbered_and_named(tmp_path: Path) -> None:
    (tmp_path / "1_bad.sql").write_text("SELECT 1;")
    with pytest.raises(SchemaError, match=r"NNNN_name\.sql"):
        known_migrations(tmp_path)


async def test_every_command_refuses_a_newer_database_in_one_line(db_path: Path) -> None:
    await schema.upgrade(db_path)
    raw = sqlite3.connect(db_path)
    raw.execute("INSERT INTO schema_migrations VALUES (9999, 'from_the_future', 'x', '2030-01-01')")
    raw.commit()
    raw.close()

    for command in (["batch", "list"], ["ledger", "show", "1"], ["review", "list"], ["run"]):
        result = await asyncio.to_thread(CliRunner().invoke, app, command)
        assert result.exit_code == 2, (command, result.output)
        [line] = result.stderr.strip().splitlines()
        assert "install the newer microtasks" in line and "Traceback" not in result.output


def test_a_database_that_cannot_be_opened_is_a_bad_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "folder.db").mkdir()
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    creating, reading = (("db", "upgrade"), ("run",)), (("db", "status"), ("batch", "list"))
    cases = {
        (f"sqlite:///{tmp_path / 'folder.db'}", creating + reading): "it is a folder, not a file",
        (f"sqlite:///{blocked / 'inside' / 'm.db'}", creating): "cannot create its folder",
        (f"sqlite:///{blocked / 'inside' / 'm.db'}", reading): "there is no database at",
    }
    for (url, commands), why in cases.items():
        monkeypatch.setenv("DATABASE_URL", url)
        for command in commands:
            result = CliRunner().invoke(app, list(command))
            assert result.exit_code == 2, (command, result.output)
            assert len(result.stderr.strip().splitlines()) == 1, result.stderr
            line = result.stderr.strip()
            assert line.startswith("microtasks: bad setting: DATABASE_URL: ")
            assert why in line, (command, line)
