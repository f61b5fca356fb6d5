"""The moderators' daily digest: progress of each open batch, its agreement (Krippendorff's
alpha), the busiest members of the day, and a chart of answers per hour.

The digest of a day is recorded and owed to every moderator (through the notification outbox, in
each one's language) in one transaction, once per day; run by hand it is sent again. The chart is
written under DATA_DIR/digests/ and sent directly by adapters that can send pictures.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler.chart import draw_answers_per_hour, hourly_series
from scheduler.outlets import ImageSender, Translate
from storage import scheduler as store
from storage.database import Database
from storage.identity import accounts_of, get_profile, moderator_profiles
from tasks.aggregation import Method, aggregate
from tasks.batches import BatchService, BatchState
from tasks.kinds import Kind
from tasks.problems import counted

logger = logging.getLogger("microtasks.scheduler")
DIGEST_KEY = "scheduler.digest"
AGREEMENT_KINDS = {Kind.choice, Kind.multi, Kind.rating, Kind.compare}
DAY = 86400


@dataclass(frozen=True)
class BatchLine:
    id: int
    title: str
    state: str
    percent: float
    counted: int
    wanted: int
    agreement: float | None


@dataclass(frozen=True)
class Digest:
    day: str
    batches: list[BatchLine]
    top: list[tuple[str, int]]
    per_hour: list[tuple[int, int]]

    @property
    def answers(self) -> int:
        return sum(count for _, count in self.per_hour)

    def text(self, translate: Translate, languages: Sequence[str | None]) -> str:
        """The digest in the first of `languages` the catalogs have."""

        def t(key: str, **params: object) -> str:
            return translate(key, languages, **params)

        lines = []
        for b in self.batches:
            agreement = "—" if b.agreement is None else f"{b.agreement:.2f}"
            lines.append(
                t(
                    "scheduler.digest_batch",
                    id=b.id,
                    title=b.title,
                    state=t(f"state.{b.state}"),
                    percent=f"{b.percent:.0f}",
                    counted=b.counted,
                    count=b.wanted,
                    agreement=agreement,
                )
            )
        if not lines:
            lines.append(t("scheduler.digest_no_batches"))
        lines.append(t("scheduler.digest_answers", answers=self.answers))
        if self.top:
            people = ", ".join(f"{name} ({count})" for name, count in self.top)
            lines.append(t("scheduler.digest_top", members=people))
        return "\n".join(lines)


async def gather_digest(
    db: Database, now: float, timezone: str, *, on_worker: Callable[[], None] | None = None
) -> Digest:
    """`on_worker` is passed to each aggregation (tasks.aggregation.aggregate)."""
    service = BatchService(db, clock=lambda: now)
    lines = []
    for batch in await service.list([BatchState.active, BatchState.paused]):
        if batch.reviews_batch_id is not None:
            continue  # review batches show in their text batch's numbers
        overview = await service.overview(batch.id)
        agreement = None
        if Kind(batch.kind) in AGREEMENT_KINDS and overview.progress.counted_answers:
            result = await aggregate(db, batch.id, Kind(batch.kind), Method.mv, on_worker=on_worker)
            agreement = result.agreement
        lines.append(
            BatchLine(
                batch.id,
                batch.title,
                batch.state,
                overview.percent,
                overview.progress.counted_answers,
                overview.progress.wanted_answers,
                agreement,
            )
        )
    day = datetime.fromtimestamp(now, ZoneInfo(timezone)).date().isoformat()
    top = await store.top_members(db, now - DAY, 5)
    per_hour = hourly_series(await store.answers_per_hour(db, now - DAY), now)
    return Digest(day, lines, top, per_hour)


async def send_daily_digest(
    db: Database,
    senders: Sequence[ImageSender],
    *,
    translate: Translate,
    clock: Callable[[], float],
    timezone: str,
    data_dir: Path,
    moderators: Sequence[str],
    again: bool = False,
    on_worker: Callable[[], None] | None = None,
) -> str:
    now = clock()
    digest = await gather_digest(db, now, timezone, on_worker=on_worker)
    if not again and await store.digest_sent(db, digest.day):
        return f"digest of {digest.day} was sent already"
    chart = data_dir / "digests" / f"digest-{digest.day}.png"
    await asyncio.to_thread(
        draw_answers_per_hour,
        digest.per_hour,
        chart,
        title=f"answers per hour, {digest.day}",
        timezone=timezone,
    )
    recipients = []
    for profile_id in await moderator_profiles(db, moderators):
        profile = await get_profile(db, profile_id)
        accounts = await accounts_of(db, profile_id)
        languages = (
            profile.language if profile else None,
            *(a.platform_language for a in accounts),
        )
        recipients.append((profile_id, languages, accounts))
    messages: list[tuple[int, dict[str, object]]] = [
        (pid, {"day": digest.day, "text": digest.text(translate, languages)})
        for pid, languages, _ in recipients
    ]
    sent = await store.send_digest(
        db,
        digest.day,
        text=digest.text(translate, ["en"]),
        chart_path=str(chart),
        messages=messages,
        key=DIGEST_KEY,
        now=now,
        again=again,
    )
    if not sent:
        return f"digest of {digest.day} was sent already"
    pictures = 0
    for sender in senders:
        for _, languages, accounts in recipients:
            caption = translate("scheduler.digest_chart", languages, day=digest.day)
            for account in accounts:
                if account.platform != sender.name:
                    continue
                try:
                    await sender.send_image(account.external_id, chart, caption)
                    pictures += 1
                except Exception as error:
                    logger.warning(
                        "scheduler.chart_not_sent",
                        extra={"fields": {"platform": sender.name, "error": str(error)}},
                    )
    return (
        f"digest of {digest.day} to {counted(len(recipients), 'moderator', 'moderators')}, "
        f"{counted(len(digest.batches), 'batch', 'batches')}, "
        f"{counted(digest.answers, 'answer', 'answers')} in 24 h, "
        f"{counted(pictures, 'chart', 'charts')} sent; chart {chart}"
    )
