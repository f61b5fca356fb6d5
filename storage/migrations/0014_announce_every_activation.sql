-- Every batch that becomes active is announced and its subscribers told once, whether it was
-- activated by hand, on import or on its schedule (before, only scheduled activations were).
-- Batches already past their draft when this version arrives were never meant to be announced:
-- they are recorded as quiet (never posted, never told), so an upgrade does not announce them
-- all at once. An active batch with an activation time keeps the announcement it is owed.
ALTER TABLE batch_announcements ADD COLUMN quiet INTEGER NOT NULL DEFAULT 0 CHECK (quiet IN (0, 1));

INSERT INTO batch_announcements (batch_id, queued_at, notified_at, quiet)
SELECT b.id, b.state_changed_at, b.state_changed_at, 1 FROM batches b
WHERE b.state <> 'draft' AND b.reviews_batch_id IS NULL
  AND NOT (b.state = 'active' AND b.activate_at IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM batch_announcements a WHERE a.batch_id = b.id);
