"""A moderator exports final answers: aggregation recovers the truth from noisy members."""

from __future__ import annotations

import json
import random

import pytest

from storage.database import Database
from tasks.aggregation import Method, aggregate, aggregate_rows
from tasks.engine import TaskEngine
from tasks.kinds import Kind
from tests.clock import ManualClock
from tests.tasks.builders import active_batch, member

LABELS = ["yes", "no"]


def simulated(items: int, skills: list[float], seed: int = 4) -> tuple[list, dict[str, str]]:
    rng = random.Random(seed)
    truth = {f"i{n}": rng.choice(LABELS) for n in range(items)}
    rows = []
    for worker, skill in enumerate(skills):
        for item, right in truth.items():
            wrong = LABELS[1 - LABELS.index(right)]
            rows.append((item, worker, json.dumps(right if rng.random() < skill else wrong), None))
    return rows, truth


def accuracy(result, truth: dict[str, str]) -> float:
    return sum(item.answer == truth[item.item_id] for item in result.items) / len(truth)


def test_dawid_skene_recovers_the_truth_from_members_of_mixed_skill() -> None:
    rows, truth = simulated(200, [0.95, 0.9, 0.55, 0.55, 0.52])

    ds = aggregate_rows(1, Kind.choice, rows, Method.ds)
    mv = aggregate_rows(1, Kind.choice, rows, Method.mv)

    assert accuracy(ds, truth) >= 0.93
    assert accuracy(ds, truth) >= accuracy(mv, truth)
    assert all(0.5 <= item.confidence <= 1.0 for item in ds.items)
    assert ds.agreement is not None and -1.0 <= ds.agreement < 0.6, "mixed members agree little"


def test_members_who_agree_give_a_high_alpha() -> None:
    rows, _ = simulated(50, [0.99, 0.99, 0.99])

    assert aggregate_rows(1, Kind.choice, rows, Method.mv).agreement > 0.9


def test_multi_labels_are_chosen_by_majority_per_label() -> None:
    rows = [
        ("h1", w, json.dumps(v), None)
        for w, v in enumerate([["sport", "health"], ["sport"], ["sport", "health"]])
    ]

    (item,) = aggregate_rows(1, Kind.multi, rows, Method.mv).items

    assert item.answer == ["health", "sport"] and item.answers == 3
    assert item.confidence == pytest.approx((2 / 3 + 1) / 2)


def test_comparisons_rank_the_sides_named_in_the_items() -> None:
    rows = []
    for n in range(30):
        meta = json.dumps(
            {"a_id": "model-x", "b_id": "model-y"}
            if n % 2
            else {"a_id": "model-y", "b_id": "model-x"}
        )
        x_side = "a" if n % 2 else "b"
        y_side = "b" if n % 2 else "a"
        for w in range(3):
            rows.append((f"c{n}", w, json.dumps(x_side if (n + w) % 4 else y_side), meta))

    result = aggregate_rows(1, Kind.compare, rows, Method.ds)

    assert list(result.ranking) == ["model-x", "model-y"]


async def test_export_aggregated_from_a_real_batch(db: Database) -> None:
    await active_batch(db, Kind.choice, items=3, overlap=3)
    engine = TaskEngine(db, clock=ManualClock())
    for name, votes in (("a", "yes"), ("b", "yes"), ("c", "no")):
        who = await member(db, name)
        while (task := await engine.next_task(who)) is not None:
            await engine.submit(who, task.token, votes)

    result = await aggregate(db, 1, Kind.choice, Method.mv)

    assert [(i.item_id, i.answer, i.answers) for i in result.items] == [
        ("i0", "yes", 3),
        ("i1", "yes", 3),
        ("i2", "yes", 3),
    ]
    assert result.items[0].confidence == pytest.approx(2 / 3)
