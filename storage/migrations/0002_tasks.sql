-- Batches of items, leases on item slots, answers and skips.
-- Times in these tables are unix seconds (REAL), given by the engine's clock.

CREATE TABLE batches (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    instructions TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('choice', 'multi', 'rating', 'compare', 'text', 'voice')),
    options TEXT NOT NULL,              -- JSON: the kind's options (labels, scale, lengths, ...)
    settings TEXT NOT NULL,             -- JSON: every batch setting as imported
    overlap INTEGER NOT NULL CHECK (overlap BETWEEN 1 AND 50),
    lease_seconds INTEGER NOT NULL,
    reward TEXT NOT NULL,               -- decimal amount of the reward token per accepted answer
    gold_rate REAL NOT NULL DEFAULT 0,
    min_seconds REAL NOT NULL DEFAULT 0,
    daily_cap INTEGER,
    audience TEXT NOT NULL DEFAULT 'all', -- 'all' or a comma-separated list of platforms
    priority INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'active', 'paused', 'closed')),
    activate_at REAL,
    source TEXT,
    created_by INTEGER REFERENCES profiles(id),
    created_at REAL NOT NULL,
    state_changed_at REAL NOT NULL
);

CREATE INDEX batches_by_state ON batches (state, priority DESC, id);

CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    external_id TEXT NOT NULL,
    payload TEXT NOT NULL,              -- JSON: what the member sees (text, image, a, b, ...)
    gold TEXT,                          -- JSON: the known answer of a gold item, else NULL
    is_gold INTEGER NOT NULL DEFAULT 0,
    meta TEXT,                          -- JSON: kept and exported, never shown
    overlap INTEGER NOT NULL,           -- counted answers wanted
    answers INTEGER NOT NULL DEFAULT 0, -- counted answers so far
    free_slots INTEGER NOT NULL,        -- overlap - answers - live leases, kept by triggers
    UNIQUE (batch_id, external_id),
    CHECK (answers <= overlap)
);

-- The claim walks this index: open items of one batch, closest to completion first.
CREATE INDEX items_open ON items (batch_id, is_gold, free_slots, id) WHERE free_slots > 0;

CREATE TABLE leases (
    id INTEGER PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,         -- unguessable handle used by buttons and replies
    item_id INTEGER NOT NULL REFERENCES items(id),
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    profile_id INTEGER NOT NULL REFERENCES profiles(id),
    state TEXT NOT NULL DEFAULT 'live'
        CHECK (state IN ('live', 'answered', 'skipped', 'expired', 'released')),
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
);

CREATE INDEX leases_live_by_expiry ON leases (expires_at) WHERE state = 'live';
CREATE INDEX leases_live_by_member ON leases (profile_id) WHERE state = 'live';
CREATE UNIQUE INDEX leases_one_live_per_member_item ON leases (item_id, profile_id)
    WHERE state = 'live';

CREATE TABLE answers (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items(id),
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    profile_id INTEGER NOT NULL REFERENCES profiles(id),
    lease_id INTEGER NOT NULL UNIQUE REFERENCES leases(id),
    value TEXT NOT NULL,                -- JSON: the validated answer
    counted INTEGER NOT NULL CHECK (counted IN (0, 1)), -- 0: surplus, kept but not counted
    seconds REAL NOT NULL,              -- from lease to answer
    leased_at REAL NOT NULL,
    created_at REAL NOT NULL
);

-- Nobody answers an item twice.
CREATE UNIQUE INDEX answers_once_per_member ON answers (item_id, profile_id);
CREATE INDEX answers_by_member_batch ON answers (profile_id, batch_id, created_at);
CREATE INDEX answers_by_batch ON answers (batch_id, id);

CREATE TABLE skips (
    item_id INTEGER NOT NULL REFERENCES items(id),
    profile_id INTEGER NOT NULL REFERENCES profiles(id),
    created_at REAL NOT NULL,
    PRIMARY KEY (item_id, profile_id)
) WITHOUT ROWID;

-- Keep free_slots = overlap - answers - live leases.
CREATE TRIGGER lease_taken AFTER INSERT ON leases WHEN NEW.state = 'live' BEGIN
    UPDATE items SET free_slots = free_slots - 1 WHERE id = NEW.item_id;
END;

CREATE TRIGGER lease_ended AFTER UPDATE OF state ON leases
WHEN OLD.state = 'live' AND NEW.state <> 'live' BEGIN
    UPDATE items SET free_slots = free_slots + 1 WHERE id = NEW.item_id;
END;

CREATE TRIGGER answer_counted AFTER INSERT ON answers WHEN NEW.counted = 1 BEGIN
    UPDATE items SET answers = answers + 1, free_slots = free_slots - 1 WHERE id = NEW.item_id;
END;

CREATE TRIGGER item_overlap_changed AFTER UPDATE OF overlap ON items BEGIN
    UPDATE items SET free_slots = free_slots + (NEW.overlap - OLD.overlap) WHERE id = NEW.id;
END;

-- A random key made on first use, for pseudonymous contributor ids in exports.
CREATE TABLE instance_keys (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;
