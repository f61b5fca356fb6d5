"""The engine's view of members and batches."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from storage.batches import BatchRow
from tasks.kinds import Kind
from tasks.quality_settings import QualitySettings


@dataclass(frozen=True)
class Member:
    profile_id: int
    platform: str


@dataclass(frozen=True)
class Batch:
    id: int
    title: str
    instructions: str
    kind: Kind
    options: dict[str, Any]
    overlap: int
    lease_seconds: int
    reward: Decimal
    min_seconds: float
    state: str
    quality: QualitySettings
    review_batch_id: int | None = None
    reviews_batch_id: int | None = None

    @property
    def is_review(self) -> bool:
        return self.reviews_batch_id is not None

    @classmethod
    def from_row(cls, row: BatchRow) -> Batch:
        return cls(
            id=row.id,
            title=row.title,
            instructions=row.instructions,
            kind=Kind(row.kind),
            options=row.options,
            overlap=row.overlap,
            lease_seconds=row.lease_seconds,
            reward=Decimal(row.reward),
            min_seconds=row.min_seconds,
            state=row.state,
            quality=QualitySettings.from_json(row.settings),
            review_batch_id=row.review_batch_id,
            reviews_batch_id=row.reviews_batch_id,
        )
