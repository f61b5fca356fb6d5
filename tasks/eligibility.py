"""Which batches a member may be served: exams passed, level reached, exam cooldowns.

Bans and audiences are checked by the claim itself; this adds the rules that depend on a
batch's quality settings. Runs inside the claim's transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from functools import lru_cache

from storage import quality as store
from tasks.levels import level_of
from tasks.quality_settings import QualitySettings

HOUR = 3600.0


@lru_cache(maxsize=256)
def gates(settings: str) -> QualitySettings | None:
    """A batch's quality settings if any of them can rule a member out, else None."""
    q = QualitySettings.from_json(json.loads(settings))
    return q if (q.min_level or q.requires or q.is_exam) else None


def batch_filter(
    raw: sqlite3.Connection, profile_id: int, now: float
) -> Callable[[int, str], bool]:
    """A predicate for the claim: may this member be served this batch now?"""
    level: list[int] = []  # computed at most once per claim, and only when a batch asks

    def member_level() -> int:
        if not level:
            level.append(level_of(*store.work_record(raw, profile_id)))
        return level[0]

    def may_serve(batch_id: int, settings: str) -> bool:
        q = gates(settings)
        if q is None:
            return True
        if q.min_level and member_level() < q.min_level:
            return False
        for name in q.requires:
            exam_id = store.batch_id_by_name(raw, name)
            if exam_id is None or not store.passed_exam(raw, profile_id, exam_id):
                return False
        if q.is_exam:
            if store.passed_exam(raw, profile_id, batch_id):
                return False
            last = store.last_attempt(raw, profile_id, batch_id)
            if last is not None and now < last["finished_at"] + q.exam_retry_hours * HOUR:
                return False
        return True

    return may_serve
