-- A review batch follows its text or voice batch's lifecycle up to closing: a draft's reviews are
-- a draft too (they were created active, and listed as "active, 100% done" before anything was
-- answered), a paused batch's reviews pause. A closed batch's reviews go on until done.
UPDATE batches
SET state = (SELECT parent.state FROM batches AS parent WHERE parent.id = batches.reviews_batch_id)
WHERE reviews_batch_id IS NOT NULL
  AND state = 'active'
  AND (SELECT parent.state FROM batches AS parent WHERE parent.id = batches.reviews_batch_id)
      IN ('draft', 'paused');
