-- What a member agreed to and asked for.
ALTER TABLE profiles ADD COLUMN consented_at REAL;
ALTER TABLE profiles ADD COLUMN notify_new_batches INTEGER NOT NULL DEFAULT 0;
