-- The scheduler's memory: when each job last ran, who runs the single-runner jobs, and what was
-- announced, notified and reminded, so a restart neither repeats nor forgets anything.
-- Times are unix seconds (REAL) from the scheduler's clock.

-- One row per scheduled job. `anchor` is the moment the schedule counts from: the job is due at
-- its first fire time after the anchor. A run moves the anchor to the time it started, so runs
-- missed while the bot was down come due together and run once. `running_by`/`running_until`
-- claim a run; a claim whose holder died expires, and the unfinished run is run again.
CREATE TABLE scheduler_jobs (
    name TEXT PRIMARY KEY,
    anchor REAL NOT NULL,
    running_by TEXT,
    running_until REAL,
    last_started_at REAL,
    last_finished_at REAL,
    last_outcome TEXT CHECK (last_outcome IN ('ok', 'failed')),
    last_summary TEXT,                  -- what the last run did, or why it failed, in words
    CHECK ((running_by IS NULL) = (running_until IS NULL))
) WITHOUT ROWID;

-- Named locks with an expiry: 'leader' is held by the one process that runs the payout and digest
-- jobs; it renews the lock while it lives, and another process takes over once it has expired.
CREATE TABLE scheduler_locks (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    acquired_at REAL NOT NULL,
    expires_at REAL NOT NULL
) WITHOUT ROWID;

-- A batch that became active on its schedule, announced once in each community channel.
CREATE TABLE batch_announcements (
    batch_id INTEGER PRIMARY KEY REFERENCES batches(id),
    queued_at REAL NOT NULL,
    notified_at REAL                    -- every subscriber has had a notice queued
);

-- One post per batch and platform: 'sending' is written before the post and 'sent' after, so a
-- crash in between never posts twice; a failed post is tried again a few times.
CREATE TABLE announcement_posts (
    batch_id INTEGER NOT NULL REFERENCES batch_announcements(batch_id),
    platform TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 1,
    updated_at REAL NOT NULL,
    error TEXT,
    PRIMARY KEY (batch_id, platform)
) WITHOUT ROWID;

-- New-batch notices to members who asked for them: one per member and batch, queued in the
-- notification outbox at a limited rate per platform.
CREATE TABLE batch_notices (
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    profile_id INTEGER NOT NULL REFERENCES profiles(id),
    platform TEXT NOT NULL,
    notification_id INTEGER NOT NULL REFERENCES notifications(id),
    queued_at REAL NOT NULL,
    PRIMARY KEY (batch_id, profile_id)
) WITHOUT ROWID;

CREATE INDEX batch_notices_by_platform ON batch_notices (platform, queued_at);

-- Streak reminders are opt-in; at most one per member and day.
ALTER TABLE profiles ADD COLUMN streak_reminders INTEGER NOT NULL DEFAULT 0;

CREATE TABLE streak_reminders (
    profile_id INTEGER NOT NULL REFERENCES profiles(id),
    day INTEGER NOT NULL,               -- unix day (UTC) the reminder was for
    notification_id INTEGER NOT NULL REFERENCES notifications(id),
    PRIMARY KEY (profile_id, day)
) WITHOUT ROWID;

-- The daily digest for moderators, once per day.
CREATE TABLE digests (
    day TEXT PRIMARY KEY,               -- YYYY-MM-DD in the scheduler's time zone
    created_at REAL NOT NULL,
    text TEXT NOT NULL,
    chart_path TEXT
) WITHOUT ROWID;
