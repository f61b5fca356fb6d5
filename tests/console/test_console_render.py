"""How the terminal shows a reply: a refused press is a new line, never an edit of the task."""

from __future__ import annotations

from pathlib import Path

from bots.console.render import render
from bots.conversation.replies import Reply


def test_a_refused_press_is_a_new_line_and_an_answer_shows_as_an_edit(tmp_path: Path) -> None:
    refused, _ = render(Reply("✅ Already saved.", edit=True, refusal=True), 1, tmp_path)
    saved, _ = render(Reply("✅ Saved: positive", edit=True), 1, tmp_path)

    assert refused == "✅ Already saved."
    assert saved == "(edited) ✅ Saved: positive"
