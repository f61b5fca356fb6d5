"""Moderators' work on batches: import, lifecycle (draft, active, paused, closed), progress."""

from __future__ import annotations

import builtins
import json
import sqlite3
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from storage import batches as store
from storage.batches import BatchRow, NewItem, Progress
from storage.database import Database
from tasks.batch_file import BatchDraft, BatchSettings
from tasks.kinds import Kind
from tasks.problems import InputError, Problem, problem
from tasks.quality import REVIEW_LABELS
from tasks.quality_settings import REVIEWED_KINDS


def review_batch_fields(fields: Mapping[str, object], settings: BatchSettings) -> dict[str, object]:
    """The review batch of a text or voice batch: two-choice reviews of each answer."""
    q = settings.quality
    return {
        **fields,
        "title": f"Review: {settings.title}"[:120],
        "kind": Kind.choice.value,
        "options": json.dumps({"labels": list(REVIEW_LABELS)}),
        "settings": json.dumps({"reviews": settings.title, "review_overlap": q.review_overlap}),
        "overlap": q.review_overlap,
        "reward": str(q.review_reward),
        "gold_rate": 0.0,
        "min_seconds": 0.0,
        "daily_cap": None,
        "state": fields["state"],  # and it follows its batch's lifecycle, up to closing
        "activate_at": None,
        "priority": fields["priority"],
    }


class BatchState(StrEnum):
    draft = "draft"
    active = "active"
    paused = "paused"
    closed = "closed"


class Transition(StrEnum):
    activate = "activate"
    pause = "pause"
    resume = "resume"
    close = "close"


# Which states each transition starts from, and where it leads.
TRANSITIONS: dict[Transition, tuple[frozenset[BatchState], BatchState]] = {
    Transition.activate: (frozenset({BatchState.draft}), BatchState.active),
    Transition.pause: (frozenset({BatchState.active}), BatchState.paused),
    Transition.resume: (frozenset({BatchState.paused}), BatchState.active),
    Transition.close: (
        frozenset({BatchState.draft, BatchState.active, BatchState.paused}),
        BatchState.closed,
    ),
}


@dataclass(frozen=True)
class BatchOverview:
    batch: BatchRow
    progress: Progress

    @property
    def percent(self) -> float:
        wanted = self.progress.wanted_answers
        return 100.0 * self.progress.counted_answers / wanted if wanted else 0.0


class DuplicateBatch(InputError):
    """The file is identical to batch `existing`, imported already."""

    def __init__(self, existing: int, found: Problem):
        super().__init__(found)
        self.existing = existing


class BatchService:
    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time):
        self.db = db
        self.clock = clock

    async def import_draft(
        self,
        draft: BatchDraft,
        *,
        created_by: int | None = None,
        activate: bool = False,
        refuse_duplicate: bool = False,
    ) -> int:
        """Store a checked batch file as one new batch (all items in one transaction).

        With `refuse_duplicate`, a file identical to a batch already imported (same settings,
        same items) is refused with `DuplicateBatch`."""
        settings = draft.settings
        state = BatchState.active if activate else BatchState.draft
        fields = {
            "title": settings.title,
            "instructions": settings.instructions,
            "kind": settings.kind.value,
            "options": json.dumps(settings.options, ensure_ascii=False),
            "settings": json.dumps(settings.as_json(), ensure_ascii=False),
            "overlap": settings.overlap,
            "lease_seconds": settings.lease_seconds,
            "reward": str(settings.reward),
            "gold_rate": settings.gold_rate,
            "min_seconds": settings.min_seconds,
            "daily_cap": settings.daily_cap,
            "audience": ",".join(settings.audience) or "all",
            "priority": settings.priority,
            "state": state.value,
            "activate_at": None if activate else settings.activate_at,
            "source": draft.source,
        }
        items = [NewItem(i.external_id, i.payload, i.gold, i.meta) for i in draft.items]
        if refuse_duplicate:
            same = await store.identical_batch(self.db, fields=fields, items=items)
            if same is not None:
                raise DuplicateBatch(
                    same,
                    problem(
                        "batch.duplicate",
                        "{source} is the same as batch {id} ({title}), imported already: nothing"
                        " imported; to import it again anyway, use --allow-duplicate",
                        source=draft.source,
                        id=same,
                        title=settings.title,
                    ),
                )
        review = None
        if settings.kind in REVIEWED_KINDS:
            review = review_batch_fields(fields, settings)
        try:
            return await store.create_batch(
                self.db,
                fields=fields,
                items=items,
                created_by=created_by,
                now=self.clock(),
                name=settings.quality.name,
                review_fields=review,
            )
        except sqlite3.IntegrityError as error:
            if "batches.name" in str(error):
                raise InputError(
                    problem(
                        "batch.name_taken",
                        'a batch named "{name}" exists already: choose another',
                        name=settings.quality.name,
                    )
                ) from None
            raise

    async def get(self, batch_id: int) -> BatchRow:
        row = await store.get_batch(self.db, batch_id)
        if row is None:
            raise InputError(problem("batch.unknown", "there is no batch {id}", id=batch_id))
        return row

    async def list(self, states: list[BatchState] | None = None) -> list[BatchRow]:
        return await store.list_batches(self.db, [s.value for s in states or []])

    async def overview(self, batch_id: int) -> BatchOverview:
        batch = await self.get(batch_id)
        return BatchOverview(batch, await store.batch_progress(self.db, batch_id, self.clock()))

    async def change(self, batch_id: int, transition: Transition) -> BatchState:
        """Apply a lifecycle step; an impossible one says why and changes nothing."""
        sources, target = TRANSITIONS[transition]
        before = await store.change_state(
            self.db, batch_id, [s.value for s in sources], target.value, self.clock()
        )
        if before is None:
            raise InputError(problem("batch.unknown", "there is no batch {id}", id=batch_id))
        if BatchState(before) not in sources:
            raise InputError(
                problem(
                    "batch.transition",
                    "batch {id} is {state}; {action} works on a batch that is {allowed}",
                    id=batch_id,
                    state=before,
                    action=transition.value,
                    allowed=" or ".join(sorted(s.value for s in sources)),
                )
            )
        return target

    # in this class `list` is the method above: the builtin type is spelled out
    async def activate_due(self) -> builtins.list[int]:
        """Activate drafts whose activation time has passed; returns their ids."""
        return await store.activate_due_batches(self.db, self.clock())
