"""Gold checks remove a member only when their gold accuracy is surely below the threshold."""

from __future__ import annotations

import random
import re
from decimal import Decimal
from pathlib import Path

import pytest

from storage.database import Database
from tasks.batches import BatchService
from tasks.engine import TaskEngine
from tasks.kinds import Kind
from tasks.quality import removed_by_gold, wilson_upper_bound
from tasks.quality_settings import QualitySettings
from tests.clock import ManualClock
from tests.tasks.builders import draft, member

QUALITY_DOC = Path(__file__).resolve().parents[2] / "docs" / "quality.md"


async def gold_batch(db: Database, clock: ManualClock, items: int, quality: QualitySettings) -> int:
    """A choice batch whose every item is a gold item answered "yes"."""
    gold = {n: "yes" for n in range(items)}
    return await BatchService(db, clock=clock).import_draft(
        draft(
            Kind.choice,
            items,
            gold=gold,
            overlap=1,
            reward=Decimal("1"),
            gold_rate=1.0,
            quality=quality,
        ),
        activate=True,
    )


async def answer_gold_items(db: Database, clock: ManualClock, count: int, right: int) -> list:
    """One member answers `count` gold items, the first `right` of them correctly."""
    engine = TaskEngine(db, clock=clock, rng=random.Random(4))
    who = await member(db, "gold-answerer")
    receipts = []
    for n in range(count):
        task = await engine.next_task(who)
        assert task is not None, f"a task was served for gold answer {n + 1}"
        clock.advance(5)
        receipts.append(await engine.submit(who, task.token, "yes" if n < right else "no"))
    return receipts


@pytest.mark.parametrize("threshold", [0.5, 0.7, 0.9])
@pytest.mark.parametrize("min_gold_answers", [3, 5])
async def test_a_member_with_every_gold_item_right_is_never_removed(
    db: Database, threshold: float, min_gold_answers: int
) -> None:
    clock = ManualClock()
    quality = QualitySettings(min_gold_answers=min_gold_answers, accuracy_threshold=threshold)
    await gold_batch(db, clock, 12, quality)

    receipts = await answer_gold_items(db, clock, 12, right=12)

    assert all(r.verdict is not None and not r.verdict.removed for r in receipts)
    assert all(r.verdict.status == "accepted" for r in receipts)
    bans = await db.fetch_value("SELECT count(*) FROM batch_bans")
    assert bans == 0, "no batch_bans row for a perfect member"


async def test_a_member_right_on_two_of_ten_gold_items_is_removed_at_half(db: Database) -> None:
    clock = ManualClock()
    quality = QualitySettings(min_gold_answers=10, accuracy_threshold=0.5)
    await gold_batch(db, clock, 12, quality)

    receipts = await answer_gold_items(db, clock, 10, right=2)

    removed_at = [n for n, r in enumerate(receipts, 1) if r.verdict and r.verdict.removed]
    assert removed_at == [10], "20% over ten gold items is surely below 50%"
    assert receipts[-1].verdict.reason == "quality.removed"
    bans = await db.fetch_value("SELECT count(*) FROM batch_bans")
    assert bans == 1


def test_every_perfect_record_has_an_upper_bound_of_one() -> None:
    for total in range(1, 201):
        assert wilson_upper_bound(total, total) == 1.0
        for threshold in (0.5, 0.9, 0.99, 0.999999):
            for min_answers in (1, 3, 5, 50):
                assert not removed_by_gold(total, total, threshold, min_answers)


def documented_table() -> list[tuple[int, int, float, bool]]:
    text = QUALITY_DOC.read_text(encoding="utf-8")
    section = text.split("### When gold checks remove a member", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+) \| (\d+) \| ([\d.]+) \| (yes|no)", section, re.MULTILINE)
    return [(int(seen), int(right), float(b), removed == "yes") for seen, right, b, removed in rows]


def test_the_table_in_the_quality_guide_is_the_rule() -> None:
    rows = documented_table()
    assert len(rows) >= 8, "the guide shows the removal table"
    assert any(removed for *_, removed in rows) and not all(removed for *_, removed in rows)
    defaults = QualitySettings()
    for seen, right, bound, removed in rows:
        assert round(wilson_upper_bound(right, seen), 2) == bound, (seen, right)
        assert removed_by_gold(right, seen, 0.7, defaults.min_gold_answers) is removed, seen
