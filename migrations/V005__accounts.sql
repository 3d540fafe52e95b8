-- Account safety (issue 8): a public display name for every account, and
-- signups that wait for their email address to be confirmed.

-- What other users see on comments and likes; never derived from the email.
ALTER TABLE users ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
UPDATE users SET display_name = 'Listener ' || substr(uid, 1, 4) WHERE display_name = '';

-- A signup becomes an account only when the link emailed to the address is
-- used, so the signup form answers the same whether the address is taken or
-- not. Only a hash of the link's token is stored.
CREATE TABLE signup_requests (
    token_hash TEXT PRIMARY KEY,
    email TEXT NOT NULL COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL,
    tier TEXT NOT NULL CHECK (tier IN ('starter', 'pro', 'label')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
) STRICT, WITHOUT ROWID;
