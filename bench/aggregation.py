"""Aggregation: majority vote against Dawid-Skene on simulated members of varied skill.

A seeded simulation gives every item a true label and every member a skill; each item is
answered by `overlap` distinct members, who give the true label with their accuracy and a wrong
one otherwise (spammers always give their one favourite label). Both methods then run through
`tasks.aggregation.aggregate_rows`, the call behind `batch export --aggregated`, on rows shaped as
the database gives them, and their final answers are scored against the truth.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.report import Figure, machine_line, table
from tasks.aggregation import BatchResult, Method, aggregate_rows
from tasks.kinds import Kind

NAME = "aggregation"
LABELS = ("positive", "negative", "neutral", "mixed")
PRIOR = (0.4, 0.3, 0.2, 0.1)  # how often each label is the truth

# (share of members, lowest accuracy, highest accuracy); spammers answer one label whatever
# the item, so their "accuracy" is that label's share of the truth.
SKILLS = {
    "expert": (0.30, 0.85, 0.97),
    "average": (0.40, 0.65, 0.85),
    "careless": (0.20, 0.40, 0.65),
    "spammer": (0.10, 0.0, 0.0),
}

Row = tuple[str, int, str, str | None]


@dataclass(frozen=True)
class Config:
    items: int = 100_000
    overlap: int = 3
    members: int = 2_000
    seed: int = 20_240_601

    @classmethod
    def quick(cls) -> Config:
        return cls(items=3_000, members=200)


@dataclass(frozen=True)
class Crowd:
    truth: dict[str, str]  # item id -> true label
    rows: list[Row]  # (item id, member, answer JSON, item meta JSON), as the database gives them
    skills: dict[str, int]  # members of each skill
    member_accuracy: float  # share of all answers that are right


def simulate(config: Config) -> Crowd:
    """The truth, the members and their answers, all drawn from `config.seed`."""
    import numpy as np

    rng = np.random.default_rng(config.seed)
    kinds = list(SKILLS)
    shares = np.array([SKILLS[k][0] for k in kinds])
    skill_of = rng.choice(len(kinds), size=config.members, p=shares / shares.sum())
    low = np.array([SKILLS[k][1] for k in kinds])[skill_of]
    high = np.array([SKILLS[k][2] for k in kinds])[skill_of]
    accuracy = rng.uniform(low, high)
    spammer = skill_of == kinds.index("spammer")
    favourite = rng.integers(0, len(LABELS), size=config.members)
    # Some members do far more work than others.
    activity = rng.lognormal(0.0, 1.0, size=config.members)
    activity /= activity.sum()

    truth = rng.choice(len(LABELS), size=config.items, p=PRIOR)
    who = rng.choice(config.members, size=(config.items, config.overlap), p=activity)
    while True:  # every item's answers come from distinct members
        ordered = np.sort(who, axis=1)
        clash = (ordered[:, 1:] == ordered[:, :-1]).any(axis=1)
        if not clash.any():
            break
        who[clash] = rng.choice(config.members, size=(int(clash.sum()), config.overlap), p=activity)

    true_label = np.repeat(truth, config.overlap)
    member = who.reshape(-1)
    right = rng.random(member.size) < accuracy[member]
    # A wrong answer is one of the other labels, uniformly.
    wrong = (true_label + rng.integers(1, len(LABELS), size=member.size)) % len(LABELS)
    answer = np.where(right, true_label, wrong)
    answer = np.where(spammer[member], favourite[member], answer)

    item_ids = [f"item-{n:06d}" for n in range(config.items)]
    labels_json = [json.dumps(label) for label in LABELS]
    rows: list[Row] = [
        (item_ids[k // config.overlap], int(m) + 1, labels_json[a], None)
        for k, (m, a) in enumerate(zip(member.tolist(), answer.tolist(), strict=True))
    ]
    counts = np.bincount(skill_of, minlength=len(kinds))
    return Crowd(
        truth={item_ids[n]: LABELS[t] for n, t in enumerate(truth.tolist())},
        rows=rows,
        skills={kind: int(counts[n]) for n, kind in enumerate(kinds)},
        member_accuracy=float((answer == true_label).mean()),
    )


def score(result: BatchResult, truth: dict[str, str]) -> float:
    """Share of items whose final answer is the true label (an item left out counts as wrong)."""
    right = sum(1 for item in result.items if truth.get(item.item_id) == item.answer)
    return right / len(truth)


def timed(crowd: Crowd, method: Method) -> tuple[BatchResult, float]:
    began = time.perf_counter()
    result = aggregate_rows(1, Kind.choice, crowd.rows, method)
    return result, time.perf_counter() - began


def library_seconds(crowd: Crowd) -> dict[str, float]:
    """crowd-kit's own share of the time: each model's fit and Krippendorff's alpha, called
    directly on one frame of the same answers."""
    import pandas as pd
    from crowdkit.aggregation import DawidSkene, MajorityVote
    from crowdkit.metrics.data import alpha_krippendorff

    frame = pd.DataFrame(crowd.rows, columns=["task", "worker", "label", "meta"]).drop(
        columns="meta"
    )
    steps = {
        "mv": lambda: MajorityVote().fit_predict_proba(frame),
        "ds": lambda: DawidSkene(n_iter=100).fit_predict_proba(frame),
        "alpha": lambda: alpha_krippendorff(frame),
    }
    seconds = {}
    for name, step in steps.items():
        began = time.perf_counter()
        step()
        seconds[name] = time.perf_counter() - began
    return seconds


async def run(folder: Path, config: Config) -> dict[str, Any]:
    began = time.perf_counter()
    crowd = simulate(config)
    print(
        f"  set-up: {len(crowd.rows):,} answers to {config.items:,} items from "
        f"{config.members:,} members simulated in {time.perf_counter() - began:.1f} s",
        flush=True,
    )
    import crowdkit.aggregation  # noqa: F401  (its import time is not the methods' cost)

    outcomes: dict[Method, tuple[BatchResult, float, float]] = {}
    for method in (Method.mv, Method.ds):
        result, seconds = timed(crowd, method)
        accuracy = score(result, crowd.truth)
        outcomes[method] = (result, seconds, accuracy)
        print(
            f"  {method.value}: {seconds:.2f} s, accuracy {accuracy:.2%} "
            f"({len(result.items):,} items)",
            flush=True,
        )
    library = library_seconds(crowd)
    print(
        "  crowd-kit alone: "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in library.items()),
        flush=True,
    )
    mv_result, mv_seconds, mv_accuracy = outcomes[Method.mv]
    _, ds_seconds, ds_accuracy = outcomes[Method.ds]
    gain = 100 * (ds_accuracy - mv_accuracy)
    figures = [
        Figure("member_accuracy_pct", 100 * crowd.member_accuracy, "%"),
        Figure("mv_seconds", mv_seconds, "s"),
        Figure("ds_seconds", ds_seconds, "s"),
        Figure("crowdkit_mv_seconds", library["mv"], "s"),
        Figure("crowdkit_ds_seconds", library["ds"], "s"),
        Figure("crowdkit_alpha_seconds", library["alpha"], "s"),
        Figure("mv_accuracy_pct", 100 * mv_accuracy, "%"),
        Figure("ds_accuracy_pct", 100 * ds_accuracy, "%"),
        Figure("ds_gain_points", gain, "points", "> 0 (DS beats MV)", gain > 0),
    ]
    settings = {
        "items": config.items,
        "overlap": config.overlap,
        "answers": len(crowd.rows),
        "members": config.members,
        "members_by_skill": crowd.skills,
        "skills": {k: {"share": s, "accuracy": [lo, hi]} for k, (s, lo, hi) in SKILLS.items()},
        "labels": list(LABELS),
        "prior": list(PRIOR),
        "seed": config.seed,
        "agreement_alpha": None if mv_result.agreement is None else round(mv_result.agreement, 4),
    }
    return {"figures": figures, "settings": settings}


TITLES = {
    "member_accuracy_pct": "single answers that are right",
    "mv_seconds": "majority vote: time",
    "ds_seconds": "Dawid-Skene: time",
    "crowdkit_mv_seconds": "of which crowd-kit `MajorityVote.fit_predict_proba`",
    "crowdkit_ds_seconds": "of which crowd-kit `DawidSkene.fit_predict_proba`",
    "crowdkit_alpha_seconds": "of which crowd-kit Krippendorff's alpha (both methods)",
    "mv_accuracy_pct": "majority vote: items right",
    "ds_accuracy_pct": "Dawid-Skene: items right",
    "ds_gain_points": "Dawid-Skene over majority vote",
}

EXPLANATION = """\
## Aggregation: majority vote and Dawid-Skene

A seeded simulation ({seed}) of a `choice` batch of {items:,} items with {labels} labels (true
label drawn with shares {prior}), each answered by {overlap} distinct members out of
{members:,} ({answers:,} answers). Members have varied skill and activity (lognormal: a few do
much of the work): {skills}. A right answer is the true label; a wrong one is another label,
uniformly; a spammer always answers their one favourite label. Each method is the whole call
`tasks.aggregation.aggregate_rows` (crowd-kit, on rows shaped as the database gives them, so
the time includes building the frame and Krippendorff's alpha, which is {alpha}), after
crowd-kit is imported; an item is right when its final answer is its true label. The "of which"
rows time crowd-kit's own calls directly on one frame of the same answers; the rest of a
method's time is our code around them (building the frame, one result per item). Target:
Dawid-Skene more accurate than majority vote.
"""


def markdown(
    figures: list[Figure], settings: dict[str, Any], machine: dict[str, Any], date: str
) -> str:
    skills = ", ".join(
        f"{settings['members_by_skill'][kind]:,} {kind}"
        + (
            f" (accuracy {spec['accuracy'][0]:.0%} to {spec['accuracy'][1]:.0%})"
            if kind != "spammer"
            else ""
        )
        for kind, spec in settings["skills"].items()
    )
    alpha = settings["agreement_alpha"]
    intro = EXPLANATION.format(
        seed=settings["seed"],
        items=settings["items"],
        labels=len(settings["labels"]),
        prior=" / ".join(f"{p:.0%}" for p in settings["prior"]),
        overlap=settings["overlap"],
        members=settings["members"],
        answers=settings["answers"],
        skills=skills,
        alpha="n/a" if alpha is None else f"{alpha:.3f} here",
    )
    return "\n\n".join([intro.strip(), machine_line(machine, date), table(figures, TITLES)])
