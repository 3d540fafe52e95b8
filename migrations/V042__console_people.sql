-- Issue 15 items 2, 3 and 6: the label console's roster, invites and people.

-- Sign-in history per account (the person page of the console): every
-- web sign-in, app token and signup session, and the failed tries of
-- existing accounts. Tries for unknown addresses are never stored. The
-- janitor forgets rows after `retention.sign_ins_days`; the user agent is
-- cut to a few hundred characters by the writer.
CREATE TABLE sign_ins (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    at INTEGER NOT NULL,
    ip TEXT,
    user_agent TEXT NOT NULL DEFAULT '',
    surface TEXT NOT NULL CHECK (surface IN ('web', 'api')),
    ok INTEGER NOT NULL CHECK (ok IN (0, 1))
) STRICT;
CREATE INDEX sign_ins_user ON sign_ins (user_id, id);
CREATE INDEX sign_ins_at ON sign_ins (at);

-- Invites sent from the console can be revoked, and are named in its pages
-- by an opaque id (the token's hash stays private).
ALTER TABLE artist_invites ADD COLUMN uid TEXT;
UPDATE artist_invites SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
CREATE UNIQUE INDEX artist_invites_uid ON artist_invites (uid);
ALTER TABLE artist_invites ADD COLUMN revoked_at INTEGER;
CREATE INDEX artist_invites_open ON artist_invites (created_at DESC) WHERE used_at IS NULL AND revoked_at IS NULL;

-- Waiting applications, oldest first, without a scan of every artist.
CREATE INDEX artist_profiles_application ON artist_profiles (application, created_at, id) WHERE application <> 'accepted';
