-- Messages the bot owes people outside a conversation (payouts, new batches, rejections).
-- Written by the domain in the same transaction as the change they report; chat adapters
-- deliver them and mark them sent, so a crash between the two only delays a message.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profiles(id),
    key TEXT NOT NULL,          -- a message key in the conversation catalogs
    params TEXT NOT NULL,       -- JSON object of the message's parameters
    created_at REAL NOT NULL,
    sent_at REAL,
    sent_via TEXT
);

CREATE INDEX notifications_unsent ON notifications (id) WHERE sent_at IS NULL;
