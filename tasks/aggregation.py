"""Final answers from many members' answers (crowd-kit), with a confidence per item.

- choice, rating, compare: Dawid-Skene (default) or majority vote over the answers as classes;
  the confidence is the chosen class's probability (DS) or its share of the votes (MV).
- multi: each label is chosen when most answers chose it; the confidence is the mean share of
  agreement over the labels.
- compare: when items name their two sides in `meta` (`a_id`, `b_id`, e.g. two models), a
  Bradley-Terry model ranks the sides from every decisive comparison.
- each batch gets Krippendorff's alpha over its answers as the agreement figure.
Text and voice answers are not aggregated: their review decides them one by one.
crowd-kit and pandas are imported only here, when a batch is aggregated (they are slow to load).
"""

from __future__ import annotations

import asyncio
import json
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from storage.database import Database
from storage.exports import AnswerColumns, aggregation_rows
from tasks.kinds import Kind
from tasks.problems import InputError, problem


@contextmanager
def _quiet_crowdkit() -> Iterator[None]:
    """crowd-kit 1.4 uses pandas keywords that pandas 3 deprecates: its warnings are not ours."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="crowdkit")
        warnings.filterwarnings("ignore", category=FutureWarning, module="crowdkit")
        yield


class Method(StrEnum):
    ds = "ds"
    mv = "mv"


@dataclass(frozen=True)
class ItemResult:
    item_id: str
    answer: Any
    confidence: float
    answers: int


@dataclass(frozen=True)
class BatchResult:
    batch_id: int
    kind: Kind
    method: Method
    items: list[ItemResult]
    agreement: float | None  # Krippendorff's alpha; None with too few answers
    ranking: dict[str, float] = field(default_factory=dict)  # Bradley-Terry scores of sides


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


Rows = Iterable[tuple[str, int, str, str | None]]


def _classes(rows: AnswerColumns, method: Method) -> list[ItemResult]:
    import pandas as pd
    from crowdkit.aggregation import DawidSkene, MajorityVote

    frame = pd.DataFrame({"task": rows.items, "worker": rows.members, "label": rows.values})
    counts = frame.groupby("task").size()
    model = DawidSkene(n_iter=100) if method is Method.ds else MajorityVote()
    with _quiet_crowdkit():
        probabilities = model.fit_predict_proba(frame)
    best = probabilities.idxmax(axis=1)  # whole columns at once: per-row access is slow
    confidence = probabilities.max(axis=1)
    decoded = {label: json.loads(label) for label in probabilities.columns}
    return [
        ItemResult(str(task), decoded[label], float(p), int(n))
        for task, label, p, n in zip(
            best.index,
            best.to_numpy(),
            confidence.to_numpy(),
            counts.reindex(best.index).to_numpy(),
            strict=True,
        )
    ]


def _labels(rows: AnswerColumns) -> list[ItemResult]:
    chosen: dict[str, list[set[str]]] = defaultdict(list)
    for item, _, value, _ in rows:
        chosen[item].append(set(json.loads(value)))
    results = []
    for item, answers in chosen.items():
        every = sorted(set().union(*answers))
        final, agreement = [], []
        for label in every:
            share = sum(label in a for a in answers) / len(answers)
            if share > 0.5:
                final.append(label)
            agreement.append(max(share, 1 - share))
        confidence = sum(agreement) / len(agreement) if agreement else 1.0
        results.append(ItemResult(item, final, confidence, len(answers)))
    return results


def _agreement(rows: AnswerColumns, kind: Kind) -> float | None:
    per_item = Counter(rows.items)
    if sum(1 for n in per_item.values() if n >= 2) < 2:
        return None
    import pandas as pd
    from crowdkit.metrics.data import alpha_krippendorff

    usable = rows
    if min(per_item.values()) < 2:  # a copy only when some items have a single answer
        usable = AnswerColumns.of(r for r in rows if per_item[r[0]] >= 2)
    labels = usable.values
    if kind is Kind.multi:
        labels = [_key(sorted(json.loads(v))) for v in labels]
    frame = pd.DataFrame({"task": usable.items, "worker": usable.members, "label": labels})
    with _quiet_crowdkit():
        alpha = float(alpha_krippendorff(frame))
    return alpha if alpha == alpha else None  # NaN when there is no variation at all


def _ranking(rows: AnswerColumns) -> dict[str, float]:
    """Bradley-Terry scores of the sides named in items' meta, from decisive comparisons."""
    pairs = []
    for _, _, value, meta_text in rows:
        meta = json.loads(meta_text) if meta_text else {}
        left, right = meta.get("a_id"), meta.get("b_id")
        verdict = json.loads(value)
        if left is None or right is None or verdict not in ("a", "b"):
            continue
        pairs.append((str(left), str(right), str(left) if verdict == "a" else str(right)))
    if len({side for pair in pairs for side in pair[:2]}) < 2:
        return {}
    import pandas as pd
    from crowdkit.aggregation import BradleyTerry

    frame = pd.DataFrame(pairs, columns=["left", "right", "label"])
    with _quiet_crowdkit():
        scores = BradleyTerry(n_iter=100).fit(frame).scores_
    return {str(side): float(score) for side, score in scores.sort_values(ascending=False).items()}


def aggregate_rows(
    batch_id: int, kind: Kind, answers: AnswerColumns | Rows, method: Method
) -> BatchResult:
    """`answers`: columns as storage reads them, or (item id, member, answer JSON, meta JSON)
    rows."""
    rows = answers if isinstance(answers, AnswerColumns) else AnswerColumns.of(answers)
    if kind in (Kind.text, Kind.voice):
        raise InputError(
            problem(
                "aggregate.kind",
                "{kind} answers are decided by review, not aggregated",
                kind=kind.value,
            )
        )
    if not rows:
        return BatchResult(batch_id, kind, method, [], None)
    items = _labels(rows) if kind is Kind.multi else _classes(rows, method)
    ranking = _ranking(rows) if kind is Kind.compare else {}
    return BatchResult(batch_id, kind, method, items, _agreement(rows, kind), ranking)


async def aggregate(
    db: Database,
    batch_id: int,
    kind: Kind,
    method: Method = Method.ds,
    *,
    on_worker: Callable[[], None] | None = None,
) -> BatchResult:
    """`on_worker`, when given, is called on the worker thread just before the models run (a
    place to watch or hold the computation)."""
    rows = await db.read(lambda raw: aggregation_rows(raw, batch_id))

    def compute() -> BatchResult:
        if on_worker is not None:
            on_worker()
        return aggregate_rows(batch_id, kind, rows, method)

    # The models take seconds on a large batch: compute them on a worker thread, so the event
    # loop (chat, the other jobs) keeps running meanwhile.
    return await asyncio.to_thread(compute)
