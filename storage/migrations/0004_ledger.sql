-- The points ledger: append-only credits and debits in the token's smallest unit.
-- A balance is a sum. A correction is a new row; no row is ever updated or deleted.
-- An amount is stored as amount_hi * 10^12 + amount_lo (0 <= amount_lo < 10^12): an 18-decimal
-- token's smallest unit outgrows SQLite's 64-bit integers after about 9.2 tokens, but these
-- two columns sum exactly over any realistic ledger; storage/ledger.py joins them in Python.

CREATE TABLE ledger (
    id INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profiles(id),
    amount_hi INTEGER NOT NULL,                   -- credit > 0, debit < 0 (see above)
    amount_lo INTEGER NOT NULL CHECK (amount_lo >= 0 AND amount_lo < 1000000000000),
    cause TEXT NOT NULL CHECK (cause IN (
        'answer', 'review', 'reversal', 'payout', 'payout_refund', 'royalty', 'grant')),
    answer_id INTEGER REFERENCES answers(id),     -- answer and review credits
    reverses_id INTEGER REFERENCES ledger(id),    -- reversal and payout_refund rows
    payout_ref TEXT,                              -- payout debits and refunds: the payout row
    reason TEXT,                                  -- why, in words (required for grants)
    created_by INTEGER REFERENCES profiles(id),   -- who wrote it by hand (grants)
    created_at REAL NOT NULL,
    CHECK (amount_hi <> 0 OR amount_lo <> 0),
    CHECK (cause <> 'grant' OR (reason IS NOT NULL AND length(reason) > 0)),
    CHECK (cause NOT IN ('answer', 'review') OR answer_id IS NOT NULL),
    CHECK (cause NOT IN ('reversal', 'payout_refund') OR reverses_id IS NOT NULL)
);

CREATE INDEX ledger_by_profile ON ledger (profile_id, id);
-- One credit per accepted answer (and per review), one reversal per row.
CREATE UNIQUE INDEX ledger_one_credit_per_answer ON ledger (answer_id, cause)
    WHERE cause IN ('answer', 'review');
CREATE UNIQUE INDEX ledger_one_reversal_per_row ON ledger (reverses_id)
    WHERE reverses_id IS NOT NULL;

CREATE TRIGGER ledger_is_append_only_update BEFORE UPDATE ON ledger BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: write a correcting row instead');
END;

CREATE TRIGGER ledger_is_append_only_delete BEFORE DELETE ON ledger BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: write a correcting row instead');
END;

-- Facts about the reward token learnt from the chain (decimals), by name.
CREATE TABLE token_facts (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
