"""Console members hear what is owed to them (review outcomes, bans) in their next session."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bots.conversation.i18n import catalog

BIN = Path(sys.executable).parent
MICROTASKS = str(BIN / "microtasks")
EN = catalog("en")
ENV = {
    "PATH": "/usr/bin:/bin",
    "SAMPLE_BATCHES": "false",
    "LOG_LEVEL": "WARNING",
    "MODERATORS": "console:mod",
}
ANSWER = "What should I wear when it rains in Oslo?"


def microtasks(workdir: Path, *args: str, lines: list[str] | None = None) -> str:
    done = subprocess.run(
        [MICROTASKS, *args],
        cwd=workdir,
        input="\n".join(lines or []) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=ENV,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def chat(workdir: Path, user: str, lines: list[str], *args: str) -> str:
    return microtasks(workdir, "chat", "--as", user, *args, lines=lines)


def ada_answers_a_text_task(workdir: Path) -> None:
    batch = workdir / "prompts.jsonl"
    header = {
        "kind": "text",
        "title": "Prompts",
        "instructions": "Write a prompt.",
        "overlap": 1,
        "min_length": 10,
    }
    batch.write_text(
        f"{json.dumps({'batch': header})}\n{json.dumps({'id': 't1', 'brief': 'rain'})}\n"
    )
    chat(workdir, "mod", [f"/upload {batch}", "/activate 1"], "--moderator")
    out = chat(workdir, "ada", ["/start", "1", ANSWER])
    assert "you will hear the outcome" in out


def test_a_rejection_from_the_cli_reaches_the_member_once(tmp_path: Path) -> None:
    ada_answers_a_text_task(tmp_path)
    microtasks(
        tmp_path, "review", "reject", "1", "--as", "console:mod", "--reason", "not a question"
    )

    bo = chat(tmp_path, "bo", ["/me"])
    told = chat(tmp_path, "ada", ["/me"])
    again = chat(tmp_path, "ada", ["/me"])

    notice = EN["quality.rejected"].format(batch="Prompts", reason="not a question", answer=1)
    assert notice in told
    assert "Prompts" not in bo  # owed to ada, not to whoever opens the console
    assert "not accepted:" not in again


def test_an_acceptance_by_a_moderator_in_another_console_reaches_the_member(
    tmp_path: Path,
) -> None:
    ada_answers_a_text_task(tmp_path)
    moderator = chat(tmp_path, "mod", ["/accept 1"], "--moderator")

    told = chat(tmp_path, "ada", [])

    assert EN["quality.accepted"].format(batch="Prompts") not in moderator
    assert EN["quality.accepted"].format(batch="Prompts") in told


def test_a_ban_notice_reaches_the_console_member(tmp_path: Path) -> None:
    chat(tmp_path, "ada", ["/start", "1"])
    microtasks(tmp_path, "members", "ban", "console:ada", "--reason", "spam", "--as", "console:mod")

    told = chat(tmp_path, "ada", ["/task"])

    assert EN["ban.notice"].format(reason="spam") in told
