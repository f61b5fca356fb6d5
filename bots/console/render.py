"""Replies as terminal text: buttons become numbered choices."""

from __future__ import annotations

from pathlib import Path

from bots.conversation.replies import Button, Reply

INDENT = "    "


def render(reply: Reply, first_number: int, outbox: Path) -> tuple[str, list[Button]]:
    """The text to print for a reply and the buttons it numbered, from `first_number` on."""
    lines = [("(edited) " if reply.edit else "") + reply.text.splitlines()[0]]
    lines += [INDENT + line for line in reply.text.splitlines()[1:]]
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
