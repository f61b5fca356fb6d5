-- Payout wallets, linked by a Sign-In with Ethereum (EIP-4361) signature over a single-use nonce.
-- Times are unix seconds (REAL) from the linker's clock.

-- One profile has one payout wallet; one wallet belongs to one profile.
CREATE TABLE wallets (
    profile_id INTEGER PRIMARY KEY REFERENCES profiles(id),
    address TEXT NOT NULL UNIQUE,       -- EIP-55 checksummed
    kind TEXT NOT NULL CHECK (kind IN ('eoa', 'contract')),
    linked_at REAL NOT NULL
);

-- Each /wallet link issues one message with a fresh nonce. A nonce is consumed (used_at) in the
-- same transaction that links the wallet it proved, so a signature, or a malleated copy of it,
-- links at most once. A newer message for the same profile replaces the older (replaced_at).
CREATE TABLE wallet_nonces (
    nonce TEXT PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profiles(id),
    address TEXT NOT NULL,              -- the checksummed address the message names
    message TEXT NOT NULL,              -- the exact EIP-4361 text to sign
    issued_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    used_at REAL,
    replaced_at REAL,
    CHECK (expires_at > issued_at),
    CHECK (used_at IS NULL OR replaced_at IS NULL)
);

-- Newest first by rowid (insertion order), which the index carries.
CREATE INDEX wallet_nonces_by_profile ON wallet_nonces (profile_id);

-- What was linked and unlinked, and when: wallets holds only the current link.
CREATE TABLE wallet_history (
    id INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profiles(id),
    address TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('eoa', 'contract')),
    event TEXT NOT NULL CHECK (event IN ('linked', 'unlinked')),
    nonce TEXT REFERENCES wallet_nonces(nonce),   -- the nonce that proved a link
    at REAL NOT NULL
);

CREATE INDEX wallet_history_by_profile ON wallet_history (profile_id, id);
