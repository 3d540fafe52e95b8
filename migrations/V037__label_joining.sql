-- Issue 15 item 2: who may join as an artist (`label.artist_signup`).
-- Invites are single-use links for one address, kept as a hash of their
-- token; a signup started with one remembers it until the account is made.
CREATE TABLE artist_invites (
    token_hash TEXT PRIMARY KEY,
    email TEXT NOT NULL COLLATE NOCASE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    used_by INTEGER REFERENCES users (id)
) STRICT, WITHOUT ROWID;
CREATE INDEX artist_invites_email ON artist_invites (email);
ALTER TABLE signup_requests ADD COLUMN invite_hash TEXT;

-- In "approval" mode a new artist's account waits for the label: pending,
-- then accepted or declined (with the label's message). Everyone who joined
-- before is accepted.
ALTER TABLE artist_profiles ADD COLUMN application TEXT NOT NULL DEFAULT 'accepted'
    CHECK (application IN ('pending', 'accepted', 'declined'));
ALTER TABLE artist_profiles ADD COLUMN application_message TEXT NOT NULL DEFAULT '';
ALTER TABLE artist_profiles ADD COLUMN application_decided_at INTEGER;
