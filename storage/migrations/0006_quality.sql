-- Quality control: which answers count, peer review, bans from a batch, exams and appeals.

-- An answer is pending (waiting for review), accepted (counts and earns) or rejected (with a
-- reason shown to its author). A rejected answer stops counting, so its slot opens again.
ALTER TABLE answers ADD COLUMN status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'accepted', 'rejected'));
ALTER TABLE answers ADD COLUMN reason TEXT;          -- a message key, e.g. quality.too_fast
ALTER TABLE answers ADD COLUMN decided_by INTEGER REFERENCES profiles(id); -- a moderator
ALTER TABLE answers ADD COLUMN decided_at REAL;
ALTER TABLE answers ADD COLUMN text_key TEXT;        -- normalised text, for duplicate checks

CREATE INDEX answers_by_text_key ON answers (batch_id, text_key) WHERE text_key IS NOT NULL;
CREATE INDEX answers_by_status ON answers (batch_id, status);

CREATE TRIGGER answer_uncounted AFTER UPDATE OF counted ON answers
WHEN OLD.counted = 1 AND NEW.counted = 0 BEGIN
    UPDATE items SET answers = answers - 1, free_slots = free_slots + 1 WHERE id = NEW.item_id;
END;

CREATE TRIGGER answer_recounted AFTER UPDATE OF counted ON answers
WHEN OLD.counted = 0 AND NEW.counted = 1 BEGIN
    UPDATE items SET answers = answers + 1, free_slots = free_slots - 1 WHERE id = NEW.item_id;
END;

-- Review items point at the answer they review and are never served to its author.
ALTER TABLE items ADD COLUMN review_of INTEGER REFERENCES answers(id);
ALTER TABLE items ADD COLUMN author_id INTEGER REFERENCES profiles(id);
CREATE UNIQUE INDEX items_one_review_per_answer ON items (review_of) WHERE review_of IS NOT NULL;

-- A text or voice batch has a review batch; a batch may have a name other batches require.
ALTER TABLE batches ADD COLUMN review_batch_id INTEGER REFERENCES batches(id);
ALTER TABLE batches ADD COLUMN reviews_batch_id INTEGER REFERENCES batches(id);
ALTER TABLE batches ADD COLUMN name TEXT;
CREATE UNIQUE INDEX batches_by_name ON batches (name) WHERE name IS NOT NULL;

-- Members removed from a batch by gold checks (or by a moderator), with the reason.
CREATE TABLE batch_bans (
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    profile_id INTEGER NOT NULL REFERENCES profiles(id),
    reason TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (batch_id, profile_id)
) WITHOUT ROWID;

-- Exam attempts: an exam batch is gold-only; passing unlocks batches that require it.
CREATE TABLE exam_attempts (
    id INTEGER PRIMARY KEY,
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    profile_id INTEGER NOT NULL REFERENCES profiles(id),
    correct INTEGER NOT NULL,
    total INTEGER NOT NULL,
    passed INTEGER NOT NULL CHECK (passed IN (0, 1)),
    finished_at REAL NOT NULL
);
CREATE INDEX exam_attempts_by_member ON exam_attempts (profile_id, batch_id, finished_at);

-- One appeal per rejected answer, decided by a moderator other than the one who rejected it.
CREATE TABLE appeals (
    answer_id INTEGER PRIMARY KEY REFERENCES answers(id),
    profile_id INTEGER NOT NULL REFERENCES profiles(id),
    message TEXT NOT NULL,
    created_at REAL NOT NULL,
    decided_by INTEGER REFERENCES profiles(id),
    decided_at REAL,
    outcome TEXT CHECK (outcome IN ('upheld', 'overturned'))
);
