-- Royalties: when a dataset built from a batch is used (licensed, sold), an amount is shared
-- among the batch's contributors by their accepted answers. One royalty per (batch, ref), so
-- recording the same use twice pays nothing more; each share is a ledger row naming it.

CREATE TABLE royalties (
    id INTEGER PRIMARY KEY,
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    ref TEXT NOT NULL CHECK (length(ref) > 0),    -- the use paid for: an invoice, a licence id
    amount_hi INTEGER NOT NULL,                   -- the whole amount, split as in the ledger
    amount_lo INTEGER NOT NULL CHECK (amount_lo >= 0 AND amount_lo < 1000000000000),
    reason TEXT NOT NULL CHECK (length(reason) > 0),
    created_by INTEGER REFERENCES profiles(id),
    created_at REAL NOT NULL,
    UNIQUE (batch_id, ref)
);

ALTER TABLE ledger ADD COLUMN royalty_id INTEGER REFERENCES royalties(id);

CREATE UNIQUE INDEX ledger_one_share_per_royalty ON ledger (royalty_id, profile_id)
    WHERE royalty_id IS NOT NULL;
