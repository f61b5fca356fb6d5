-- Community bans: a moderator or admin suspends a member from every batch, from payouts and from
-- new-batch notices. The profile holds the ban in force (read by the claim and the payout plan);
-- member_bans keeps every ban and unban, who did it and why. Answers already given stay as they
-- are.
ALTER TABLE profiles ADD COLUMN banned_at REAL;
ALTER TABLE profiles ADD COLUMN banned_by INTEGER REFERENCES profiles(id); -- NULL: the operator
ALTER TABLE profiles ADD COLUMN ban_reason TEXT;

CREATE INDEX profiles_banned ON profiles (banned_at) WHERE banned_at IS NOT NULL;

CREATE TABLE member_bans (
    id INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profiles(id),
    action TEXT NOT NULL CHECK (action IN ('ban', 'unban')),
    reason TEXT,
    acted_by INTEGER REFERENCES profiles(id), -- NULL: the operator at the shell
    created_at REAL NOT NULL
);
CREATE INDEX member_bans_by_profile ON member_bans (profile_id, id);
