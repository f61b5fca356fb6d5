"""A member cannot make their words read differently to others with bidi control characters."""

from __future__ import annotations

import json

from bots.conversation.display import BIDI_CONTROLS
from bots.conversation.i18n import Translator
from storage.database import Database
from tasks.kinds import Kind
from tasks.quality_settings import QualitySettings
from tests.tasks.builders import active_batch

# Reads "…txt.exe" on screen while the stored text ends in "exe.txt" reversed.
TRICK = "harmless \u202eexe.txt\u202c tip \u2066isolated\u2069 \u200fmarked\u200e\u061c"


async def test_the_review_queue_shows_a_members_answer_without_bidi_controls_and_exports_keep_it(
    db: Database, make_user
) -> None:
    batch_id = await active_batch(
        db, Kind.text, items=1, overlap=1, quality=QualitySettings(review_overlap=1), title="Tips"
    )
    ada, mod = make_user("ada"), make_user("900")  # 900: a moderator by the settings
    await ada.send("/start")
    await ada.press("I agree")
    await ada.send(TRICK)

    await mod.send("/reviews")
    assert "harmless exe.txt tip isolated marked" in mod.text
    assert [c for c in mod.text if c in BIDI_CONTROLS] == []

    await mod.send(f"/export {batch_id}")
    (row,) = [json.loads(line) for line in mod.last.files[0].content.decode().splitlines()]
    assert row["value"] == TRICK, "the dataset keeps exactly what the member wrote"


async def test_every_bidi_control_is_removed_from_a_batch_title_and_an_answer_in_a_message() -> (
    None
):
    shown = Translator("en")("reviews.row", id=1, batch="\u202eTips", value=TRICK)
    assert shown == "#1 · Tips · harmless exe.txt tip isolated marked"
    assert len(BIDI_CONTROLS) == 12
