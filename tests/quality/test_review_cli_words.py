"""The moderators' tables show members' words as written, not as a trick would have them read."""

from __future__ import annotations

from typer.testing import CliRunner

from bots.conversation.display import BIDI_CONTROLS
from microtasks.cli import app
from storage.database import Database
from storage.identity import Platform, ensure_account
from tasks.engine import TaskEngine
from tasks.kinds import Kind
from tasks.model import Member
from tests.clock import ManualClock
from tests.support.cli_db import with_db
from tests.tasks.builders import active_batch

# Reads "…txt.exe" on screen while the stored text ends in "exe.txt" reversed; then Rich markup.
TRICK = "harmless \u202eexe.txt\u202c [bold]tip[/] [/oops]"


def microtasks(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def a_tricky_member_waiting_for_review() -> None:
    assert microtasks("db", "upgrade")[0] == 0

    async def work(db: Database) -> None:
        await active_batch(db, Kind.text, items=1, overlap=1, title="Tips \u2066x\u2069")
        account = await ensure_account(db, Platform.console, "eve", display_name=TRICK)
        author = Member(account.profile_id, Platform.console.value)
        engine = TaskEngine(db, clock=ManualClock())
        task = await engine.next_task(author)
        assert task is not None
        await engine.submit(author, task.token, TRICK)

    with_db(work)


def test_review_list_members_list_and_batch_list_show_no_bidi_controls_nor_markup() -> None:
    a_tricky_member_waiting_for_review()

    for command in (["review", "list"], ["members", "list"], ["batch", "list"]):
        code, out, err = microtasks(*command)
        assert code == 0, err
        assert [c for c in out if c in BIDI_CONTROLS] == [], command
    assert "harmless exe.txt [bold]tip[/] [/oops]" in microtasks("review", "list")[1]
    assert "harmless exe.txt [bold]tip[/] [/oops]" in microtasks("members", "list")[1]
    assert "Tips x" in microtasks("batch", "list")[1]


def test_a_title_that_looks_like_markup_is_printed_as_written(tmp_path) -> None:
    batch = tmp_path / "odd.jsonl"
    header = '{"batch": {"kind": "choice", "title": "[/x] [bold]odd", "instructions": "i",'
    batch.write_text(header + ' "labels": ["a", "b"]}}\n{"id": "1", "text": "x"}\n')
    assert microtasks("db", "upgrade")[0] == 0

    code, out, err = microtasks("batch", "import", str(batch))
    assert code == 0, err
    assert out.strip() == "imported batch 1 (choice, 1 item) as draft: [/x] [bold]odd"
    code, out, err = microtasks("batch", "show", "1")
    assert code == 0, err
    assert out.splitlines()[0] == "batch 1: [/x] [bold]odd (choice, draft)"
