"""The scheduler's records: job runs, the leader lock, announcements, notices, reminders, digests.

Every decision that two processes could race on is one conditional statement here, so whichever
process commits first wins and the other sees that it lost.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from storage.batches import BATCH_COLUMNS, BatchRow, batch_from_row
from storage.database import Database
from storage.notifications import enqueue

# Job runs


@dataclass(frozen=True)
class JobState:
    name: str
    anchor: float
    running_by: str | None
    running_until: float | None
    last_started_at: float | None
    last_finished_at: float | None
    last_outcome: str | None
    last_summary: str | None

    def running(self, now: float) -> bool:
        """A live claim: someone is running this job right now."""
        return self.running_until is not None and self.running_until >= now

    def abandoned(self, now: float) -> bool:
        """A claim whose holder stopped renewing it (it died mid-run)."""
        return self.running_until is not None and self.running_until < now


JOB_COLUMNS = (
    "name, anchor, running_by, running_until, last_started_at, last_finished_at, last_outcome,"
    " last_summary"
)


async def ensure_jobs(db: Database, names: Iterable[str], now: float) -> None:
    """A row for each job; a job seen for the first time counts its schedule from now. When
    every job has its row, nothing is written (a read-only database still lists them)."""
    known = {row[0] for row in await db.fetch_all("SELECT name FROM scheduler_jobs")}
    rows = [(name, now) for name in names if name not in known]
    if not rows:
        return
    await db.write(
        lambda raw: raw.executemany(
            "INSERT INTO scheduler_jobs (name, anchor) VALUES (?, ?) ON CONFLICT DO NOTHING", rows
        )
    )


async def job_states(db: Database) -> dict[str, JobState]:
    rows = await db.fetch_all(f"SELECT {JOB_COLUMNS} FROM scheduler_jobs ORDER BY name")
    return {row["name"]: JobState(*row) for row in rows}


async def claim_run(
    db: Database,
    name: str,
    *,
    holder: str,
    now: float,
    until: float,
    seen_anchor: float | None,
) -> bool:
    """Claim a run of `name` unless someone holds a live claim.

    With `seen_anchor` (a scheduled run), the claim also moves the anchor to `now`, and only if
    the anchor is still the one the caller saw: of two processes that found the same run due,
    one claims it. Without it (a run asked for by hand), the schedule is left as it is.
    """
    moves = seen_anchor is not None
    changed = await db.execute(
        "UPDATE scheduler_jobs SET running_by = :holder, running_until = :until,"
        " last_started_at = :now, anchor = CASE WHEN :moves THEN :now ELSE anchor END"
        " WHERE name = :name AND (running_until IS NULL OR running_until < :now)"
        " AND (NOT :moves OR anchor = :seen)",
        {
            "holder": holder,
            "until": until,
            "now": now,
            "moves": moves,
            "seen": seen_anchor,
            "name": name,
        },
    )
    return changed == 1


async def renew_run(db: Database, name: str, holder: str, until: float) -> bool:
    changed = await db.execute(
        "UPDATE scheduler_jobs SET running_until = ? WHERE name = ? AND running_by = ?",
        (until, name, holder),
    )
    return changed == 1


async def finish_run(
    db: Database, name: str, holder: str, *, now: float, ok: bool, summary: str
) -> None:
    await db.execute(
        "UPDATE scheduler_jobs SET running_by = NULL, running_until = NULL,"
        " last_finished_at = ?, last_outcome = ?, last_summary = ?"
        " WHERE name = ? AND running_by = ?",
        (now, "ok" if ok else "failed", summary[:500], name, holder),
    )


# Locks


async def take_lock(db: Database, name: str, holder: str, now: float, until: float) -> bool:
    """Take `name`, or renew it when `holder` has it already; True when `holder` holds it now.

    A lock whose holder let it expire (it died, or hangs) goes to whoever asks next.
    """

    def job(raw: sqlite3.Connection) -> bool:
        row = raw.execute(
            "INSERT INTO scheduler_locks (name, holder, acquired_at, expires_at)"
            " VALUES (:name, :holder, :now, :until) ON CONFLICT (name) DO UPDATE SET"
            " acquired_at = CASE WHEN holder = excluded.holder THEN acquired_at"
            " ELSE excluded.acquired_at END,"
            " holder = excluded.holder, expires_at = excluded.expires_at"
            " WHERE scheduler_locks.holder = excluded.holder OR scheduler_locks.expires_at < :now"
            " RETURNING holder",
            {"name": name, "holder": holder, "now": now, "until": until},
        ).fetchone()
        return row is not None

    return await db.write(job)


async def release_lock(db: Database, name: str, holder: str) -> None:
    await db.execute("DELETE FROM scheduler_locks WHERE name = ? AND holder = ?", (name, holder))


async def lock_holder(db: Database, name: str, now: float) -> str | None:
    """Who holds `name` now (None when nobody, or the holder's lock has expired)."""
    return await db.fetch_value(
        "SELECT holder FROM scheduler_locks WHERE name = ? AND expires_at >= ?", (name, now)
    )


# Announcements of newly active batches


def _record_activations(raw: sqlite3.Connection, now: float) -> list[int]:
    rows = raw.execute(
        "INSERT INTO batch_announcements (batch_id, queued_at)"
        " SELECT b.id, ? FROM batches b WHERE b.state = 'active' AND b.reviews_batch_id IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM batch_announcements a WHERE a.batch_id = b.id)"
        " ORDER BY b.id RETURNING batch_id",
        (now,),
    ).fetchall()
    return sorted(row[0] for row in rows)


async def queue_announcements(db: Database, now: float) -> list[int]:
    """Record every batch that became active (by hand, on import or on its schedule) and was
    not recorded yet: each is announced and its subscribers told once. Review batches are not:
    members meet them through the batches they review."""
    return await db.write(lambda raw: _record_activations(raw, now))


async def posts_owed(db: Database, platform: str, max_attempts: int) -> list[BatchRow]:
    """Announced batches, still active, not yet posted on `platform` (or failed, to try again)."""
    columns = ", ".join(f"b.{name.strip()}" for name in BATCH_COLUMNS.split(","))
    rows = await db.fetch_all(
        f"SELECT {columns} FROM batch_announcements a JOIN batches b ON b.id = a.batch_id"
        " LEFT JOIN announcement_posts p ON p.batch_id = a.batch_id AND p.platform = ?"
        " WHERE b.state = 'active' AND a.quiet = 0"
        " AND (p.state IS NULL OR (p.state = 'failed' AND p.attempts < ?))"
        " ORDER BY a.batch_id",
        (platform, max_attempts),
    )
    return [batch_from_row(row) for row in rows]


async def begin_post(db: Database, batch_id: int, platform: str, now: float) -> bool:
    """Mark a post as being sent; False when it is sent, being sent, or out of attempts."""

    def job(raw: sqlite3.Connection) -> bool:
        row = raw.execute(
            "INSERT INTO announcement_posts (batch_id, platform, state, updated_at)"
            " VALUES (?, ?, 'sending', ?) ON CONFLICT (batch_id, platform) DO UPDATE SET"
            " state = 'sending', attempts = attempts + 1, updated_at = excluded.updated_at,"
            " error = NULL WHERE announcement_posts.state = 'failed' RETURNING batch_id",
            (batch_id, platform, now),
        ).fetchone()
        return row is not None

    return await db.write(job)


async def end_post(
    db: Database, batch_id: int, platform: str, now: float, error: str | None = None
) -> None:
    await db.execute(
        "UPDATE announcement_posts SET state = ?, updated_at = ?, error = ?"
        " WHERE batch_id = ? AND platform = ? AND state = 'sending'",
        ("failed" if error else "sent", now, error and error[:300], batch_id, platform),
    )


async def post_states(db: Database, batch_id: int) -> dict[str, str]:
    rows = await db.fetch_all(
        "SELECT platform, state FROM announcement_posts WHERE batch_id = ?", (batch_id,)
    )
    return {row[0]: row[1] for row in rows}


# New-batch notices


NOTICE_WINDOW = 60.0  # seconds over which the per-platform rate is counted


def _notice_candidates(raw: sqlite3.Connection, batch_id: int, audience: str) -> list[sqlite3.Row]:
    """Subscribers not yet told about the batch, each with the platform they will hear on."""
    platforms = "" if audience == "all" else f",{audience},"
    return raw.execute(
        "SELECT p.id, (SELECT ac.platform FROM accounts ac WHERE ac.profile_id = p.id"
        " AND (:platforms = '' OR instr(:platforms, ',' || ac.platform || ',') > 0)"
        " ORDER BY ac.id LIMIT 1) AS platform"
        " FROM profiles p WHERE p.notify_new_batches = 1 AND p.banned_at IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM batch_notices n"
        " WHERE n.batch_id = :batch AND n.profile_id = p.id)"
        " AND NOT EXISTS (SELECT 1 FROM batch_bans x"
        " WHERE x.batch_id = :batch AND x.profile_id = p.id)"
        " ORDER BY p.id",
        {"platforms": platforms, "batch": batch_id},
    ).fetchall()


async def queue_notices(db: Database, now: float, per_minute: int, key: str) -> dict[str, int]:
    """Owe each subscriber a notice of each newly active batch, at most `per_minute` queued per
    platform in any minute; the rest wait for the next round. Returns how many were queued."""

    def job(raw: sqlite3.Connection) -> dict[str, int]:
        _record_activations(raw, now)  # a batch activated by hand since the last round
        used: dict[str, int] = dict(
            raw.execute(
                "SELECT platform, count(*) FROM batch_notices WHERE queued_at > ?"
                " GROUP BY platform",
                (now - NOTICE_WINDOW,),
            ).fetchall()
        )
        queued: dict[str, int] = {}
        announced = raw.execute(
            "SELECT a.batch_id, b.title, b.audience, b.state FROM batch_announcements a"
            " JOIN batches b ON b.id = a.batch_id WHERE a.notified_at IS NULL ORDER BY a.batch_id"
        ).fetchall()
        for batch_id, title, audience, state in announced:
            held_back = False
            if state == "active":
                for profile_id, platform in _notice_candidates(raw, batch_id, audience):
                    if platform is None:
                        continue  # no account on a platform this batch is offered on
                    if used.get(platform, 0) >= per_minute:
                        held_back = True
                        continue
                    params = {"batch": batch_id, "title": title}
                    notification = enqueue(raw, profile_id, key, params, now)
                    raw.execute(
                        "INSERT INTO batch_notices (batch_id, profile_id, platform,"
                        " notification_id, queued_at) VALUES (?, ?, ?, ?, ?)",
                        (batch_id, profile_id, platform, notification, now),
                    )
                    used[platform] = used.get(platform, 0) + 1
                    queued[platform] = queued.get(platform, 0) + 1
            if not held_back:  # everyone told (a batch no longer active tells nobody)
                raw.execute(
                    "UPDATE batch_announcements SET notified_at = ? WHERE batch_id = ?",
                    (now, batch_id),
                )
        return queued

    return await db.write(job)


# Streak reminders


async def reminder_candidates(db: Database, today: int) -> dict[int, list[int]]:
    """Members who opted in, had work accepted yesterday and none yet today: their active days
    (unix days, newest first) over the last year."""
    rows = await db.fetch_all(
        "SELECT p.id, CAST(a.created_at / 86400 AS INTEGER) AS day FROM profiles p"
        " JOIN answers a ON a.profile_id = p.id AND a.status = 'accepted'"
        " AND a.created_at >= :since"
        " WHERE p.streak_reminders = 1"
        " AND EXISTS (SELECT 1 FROM answers y WHERE y.profile_id = p.id"
        " AND y.status = 'accepted' AND y.created_at >= :yesterday AND y.created_at < :today)"
        " AND NOT EXISTS (SELECT 1 FROM answers t WHERE t.profile_id = p.id"
        " AND t.created_at >= :today)"
        " GROUP BY p.id, day ORDER BY p.id, day DESC",
        {"since": (today - 400) * 86400, "yesterday": (today - 1) * 86400, "today": today * 86400},
    )
    days: dict[int, list[int]] = {}
    for profile_id, day in rows:
        days.setdefault(profile_id, []).append(day)
    return days


async def queue_reminders(
    db: Database, streaks: dict[int, int], today: int, key: str, now: float
) -> int:
    """One reminder per member and day; the number queued now."""

    def job(raw: sqlite3.Connection) -> int:
        queued = 0
        for profile_id, streak in sorted(streaks.items()):
            taken = raw.execute(
                "SELECT 1 FROM streak_reminders WHERE profile_id = ? AND day = ?",
                (profile_id, today),
            ).fetchone()
            if taken:
                continue
            notification = enqueue(raw, profile_id, key, {"count": streak}, now)
            raw.execute(
                "INSERT INTO streak_reminders (profile_id, day, notification_id) VALUES (?, ?, ?)",
                (profile_id, today, notification),
            )
            queued += 1
        return queued

    return await db.write(job)


# The moderators' digest


async def answers_per_hour(db: Database, since: float) -> dict[int, int]:
    """Answers submitted since `since`, by hour (unix hour number)."""
    rows = await db.fetch_all(
        "SELECT CAST(created_at / 3600 AS INTEGER), count(*) FROM answers WHERE created_at >= ?"
        " GROUP BY 1 ORDER BY 1",
        (since,),
    )
    return {row[0]: row[1] for row in rows}


async def top_members(db: Database, since: float, limit: int) -> list[tuple[str, int]]:
    """(display name, accepted answers) of the busiest members since `since`; a member without
    a name shows as `#` and their profile id."""
    rows = await db.fetch_all(
        "SELECT p.display_name, p.id, count(*) FROM answers a"
        " JOIN profiles p ON p.id = a.profile_id WHERE a.created_at >= ? AND a.status = 'accepted'"
        " GROUP BY a.profile_id ORDER BY count(*) DESC, a.profile_id LIMIT ?",
        (since, limit),
    )
    return [(name or f"#{profile_id}", count) for name, profile_id, count in rows]


async def digest_sent(db: Database, day: str) -> bool:
    return bool(await db.fetch_value("SELECT 1 FROM digests WHERE day = ?", (day,)))


async def send_digest(
    db: Database,
    day: str,
    *,
    text: str,
    chart_path: str | None,
    messages: list[tuple[int, dict[str, object]]],
    key: str,
    now: float,
    again: bool,
) -> bool:
    """Record the digest of `day` and owe it to each moderator, in one transaction.

    False (and nothing sent) when that day's digest went out already, unless `again`.
    """

    def job(raw: sqlite3.Connection) -> bool:
        verb = "INSERT OR REPLACE" if again else "INSERT OR IGNORE"
        changed = raw.execute(
            f"{verb} INTO digests (day, created_at, text, chart_path) VALUES (?, ?, ?, ?)",
            (day, now, text, chart_path),
        ).rowcount
        if changed != 1:
            return False
        for profile_id, params in messages:
            enqueue(raw, profile_id, key, params, now)
        return True

    return await db.write(job)
