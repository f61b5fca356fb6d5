-- The batch a member picked with /task N: they keep getting its tasks until it has nothing for
-- them. Stored (not kept in memory) so it survives restarts and is shared by several processes.
ALTER TABLE profiles ADD COLUMN chosen_batch_id INTEGER;
