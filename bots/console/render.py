"""Replies as terminal text: buttons become numbered choices.

The reply's own text is printed verbatim, every line as it is (no indent): a member copies text
from the terminal, such as the wallet message to sign, and must get exactly what was sent. Only
what the console adds (buttons, images, recordings, saved files) is indented.
"""

from __future__ import annotations

from pathlib import Path

from bots.conversation.replies import Button, Reply

INDENT = "    "


def render(reply: Reply, first_number: int, outbox: Path) -> tuple[str, list[Button]]:
    """The text to print for a reply and the buttons it numbered, from `first_number` on."""
    # A refused press changes nothing it was pressed on: said as a new line, not as an edit.
    lines = [("(edited) " if reply.edit and not reply.refusal else "") + reply.text]
    if reply.image:
        lines.append(f"{INDENT}[image: {reply.image}]")
    if reply.audio:
        lines.append(f"{INDENT}[recording: {reply.audio}]")
    numbered: list[Button] = []
    for row in reply.buttons:
        cells = []
        for button in row:
            numbered.append(button)
            cells.append(f"[{first_number + len(numbered) - 1}] {button.label}")
        lines.append(INDENT + "   ".join(cells))
    for file in reply.files:
        outbox.mkdir(parents=True, exist_ok=True)
        target = outbox / file.filename
        target.write_bytes(file.content)
        lines.append(f"{INDENT}[file saved: {target}]")
    return "\n".join(lines), numbered
