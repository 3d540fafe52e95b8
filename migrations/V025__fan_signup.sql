-- Fans sign up on the web and in the app (issue 14) through the same
-- emailed link as artists: a signup request now says which role it makes,
-- and only an artist's names a plan. (SQLite cannot change a CHECK in
-- place, so the table is rebuilt with its rows.)
CREATE TABLE signup_requests_v25 (
    token_hash TEXT PRIMARY KEY,
    email TEXT NOT NULL COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'artist' CHECK (role IN ('artist', 'fan')),
    tier TEXT CHECK ((role = 'artist' AND tier IN ('starter', 'pro', 'label')) OR (role = 'fan' AND tier IS NULL)),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
) STRICT, WITHOUT ROWID;
INSERT INTO signup_requests_v25 (token_hash, email, password_hash, display_name, role, tier, created_at, expires_at, used_at)
    SELECT token_hash, email, password_hash, display_name, 'artist', tier, created_at, expires_at, used_at
    FROM signup_requests;
DROP TABLE signup_requests;
ALTER TABLE signup_requests_v25 RENAME TO signup_requests;
