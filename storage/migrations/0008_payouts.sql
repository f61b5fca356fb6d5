-- Token payouts, exactly once: runs, one payout per member and run (each with its ledger debit),
-- the transactions that carry them (one row per sender nonce, every signed version kept) and
-- the database's own nonce counter. How the parts fit: docs/payouts.md.
--
-- Token amounts are decimal TEXT in the token's smallest unit (digits only, no sign, no leading
-- zero): an 18-decimal token's units outgrow SQLite's 64-bit integers after about 9.2 tokens.
-- Sums are done in Python (storage/payouts.py); the ledger keeps its own split form (0004).
--
-- A chain is named by a key: 'eip155:<chain id>' for an RPC node, 'embedded:<instance>' for the
-- in-process chain (which lives in memory, so each process start is a chain of its own).

CREATE TABLE payout_runs (
    id INTEGER PRIMARY KEY,
    chain_key TEXT NOT NULL,
    sender TEXT NOT NULL,                 -- the treasury address, checksummed
    token TEXT NOT NULL,                  -- ERC-20 address or 'native'
    decimals INTEGER NOT NULL,
    minimum TEXT NOT NULL CHECK (minimum NOT GLOB '*[^0-9]*' AND minimum <> ''),
                                          -- smallest payout, in the token's smallest unit
    cap TEXT CHECK (cap GLOB '[1-9]*' AND cap NOT GLOB '*[^0-9]*'),
                                          -- most this run may pay, same unit (NULL: no cap)
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'finished')),
    created_at REAL NOT NULL,
    finished_at REAL
);

CREATE INDEX payout_runs_open ON payout_runs (chain_key, sender) WHERE state = 'open';

-- One transaction per (chain, sender, nonce). Its payload (to, value, data, gas) never changes;
-- only the fees do, when a stuck transaction is replaced: each signed version is a row of
-- payout_tx_versions, and at most one of them can ever be mined.
CREATE TABLE payout_txs (
    id INTEGER PRIMARY KEY,
    chain_key TEXT NOT NULL,
    sender TEXT NOT NULL,
    nonce INTEGER NOT NULL CHECK (nonce >= 0),
    kind TEXT NOT NULL CHECK (kind IN ('deploy', 'approve', 'disperse', 'transfer')),
    to_address TEXT,                      -- NULL for a contract creation
    value TEXT NOT NULL DEFAULT '0',      -- wei as decimal text (may exceed 64 bits)
    data BLOB NOT NULL,
    gas_limit INTEGER NOT NULL CHECK (gas_limit > 0),
    state TEXT NOT NULL DEFAULT 'signed' CHECK (state IN (
        'signed',     -- stored, perhaps not broadcast yet
        'sent',       -- a node accepted a version
        'mined',      -- a version has a receipt, not yet deep enough
        'confirmed',  -- mined with status 1 and the configured confirmations: final
        'reverted',   -- mined with status 0 and the confirmations: final, paid nobody
        'dropped',    -- the nonce was used by a transaction that is none of ours: final
        'abandoned'   -- sent to an embedded chain that no longer exists: final
    )),
    mined_hash TEXT,
    block_number INTEGER,
    gas_used INTEGER,
    created_at REAL NOT NULL,
    sent_at REAL,
    resolved_at REAL,
    UNIQUE (chain_key, sender, nonce)
);

CREATE INDEX payout_txs_unresolved ON payout_txs (chain_key, sender, nonce)
    WHERE state IN ('signed', 'sent', 'mined');

CREATE TABLE payout_tx_versions (
    hash TEXT PRIMARY KEY,                -- 0x-prefixed transaction hash
    tx_id INTEGER NOT NULL REFERENCES payout_txs(id),
    raw BLOB NOT NULL,                    -- the signed bytes, broadcast as they are
    max_fee TEXT NOT NULL,                -- maxFeePerGas, wei
    priority_fee TEXT NOT NULL,           -- maxPriorityFeePerGas, wei
    signed_at REAL NOT NULL,
    sent_at REAL
);

CREATE INDEX payout_tx_versions_by_tx ON payout_tx_versions (tx_id, signed_at);

-- The next nonce to use for each sender on each chain: allocated here, never asked of a node
-- (a node's pending count only raises it, when the key was used elsewhere).
CREATE TABLE payout_nonces (
    chain_key TEXT NOT NULL,
    sender TEXT NOT NULL,
    next_nonce INTEGER NOT NULL CHECK (next_nonce >= 0),
    PRIMARY KEY (chain_key, sender)
) WITHOUT ROWID;

-- Contracts the treasury deployed for itself (the Disperse batcher), by chain.
CREATE TABLE payout_contracts (
    chain_key TEXT NOT NULL,
    sender TEXT NOT NULL,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    tx_id INTEGER NOT NULL REFERENCES payout_txs(id),
    PRIMARY KEY (chain_key, sender, name)
) WITHOUT ROWID;

-- One payout per member per run. Written together with its ledger debit; then carried by one
-- transaction at a time (tx_id); paid when that transaction is confirmed, or re-queued when it
-- reverted or its nonce went to another transaction; refunded (re-credited) when it cannot be paid.
CREATE TABLE payouts (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES payout_runs(id),
    profile_id INTEGER NOT NULL REFERENCES profiles(id),
    address TEXT NOT NULL,
    amount TEXT NOT NULL CHECK (amount GLOB '[1-9]*' AND amount NOT GLOB '*[^0-9]*'),
    debit_id INTEGER UNIQUE REFERENCES ledger(id),
    refund_id INTEGER UNIQUE REFERENCES ledger(id),
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'paid', 'refunded')),
    single INTEGER NOT NULL DEFAULT 0 CHECK (single IN (0, 1)),  -- 1: a transfer of its own
    tx_id INTEGER REFERENCES payout_txs(id),
    attempts INTEGER NOT NULL DEFAULT 0,  -- transactions that carried it and reverted
    reason TEXT,                          -- why it was refunded
    paid_at REAL,
    UNIQUE (run_id, profile_id),
    CHECK ((tx_id IS NULL) = (state IN ('queued', 'refunded'))),
    CHECK (state <> 'refunded' OR refund_id IS NOT NULL)
);

CREATE INDEX payouts_by_run ON payouts (run_id, state);
CREATE INDEX payouts_by_tx ON payouts (tx_id) WHERE tx_id IS NOT NULL;
CREATE INDEX payouts_queued ON payouts (run_id, id) WHERE state = 'queued';

-- Every transaction that ever carried a payout (a payout moves on only after its transaction
-- is final and paid nobody).
CREATE TABLE payout_tx_payouts (
    tx_id INTEGER NOT NULL REFERENCES payout_txs(id),
    payout_id INTEGER NOT NULL REFERENCES payouts(id),
    PRIMARY KEY (tx_id, payout_id)
) WITHOUT ROWID;

CREATE TRIGGER payouts_final BEFORE UPDATE ON payouts
WHEN OLD.state IN ('paid', 'refunded') BEGIN
    SELECT RAISE(ABORT, 'a paid or refunded payout is final');
END;

CREATE TRIGGER payouts_terms_fixed BEFORE UPDATE OF run_id, profile_id, address, amount ON payouts
BEGIN
    SELECT RAISE(ABORT, 'a payout''s recipient and amount never change');
END;

CREATE TRIGGER payouts_debit_once BEFORE UPDATE OF debit_id ON payouts
WHEN OLD.debit_id IS NOT NULL BEGIN
    SELECT RAISE(ABORT, 'a payout''s ledger debit never changes');
END;

CREATE TRIGGER payouts_no_delete BEFORE DELETE ON payouts BEGIN
    SELECT RAISE(ABORT, 'payouts are never deleted');
END;

CREATE TRIGGER payout_txs_final BEFORE UPDATE ON payout_txs
WHEN OLD.state IN ('confirmed', 'reverted', 'dropped', 'abandoned') BEGIN
    SELECT RAISE(ABORT, 'a final transaction never changes');
END;

CREATE TRIGGER payout_txs_payload_fixed
BEFORE UPDATE OF chain_key, sender, nonce, kind, to_address, value, data, gas_limit ON payout_txs
BEGIN
    SELECT RAISE(ABORT, 'a transaction''s nonce and payload never change');
END;
