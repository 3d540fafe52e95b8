-- Fans who sign up in the app get their account at once (issue 14:
-- `POST /api/v1/accounts` answers with a token) and confirm their address
-- afterwards with an emailed link. Accounts made through the web's emailed
-- link confirmed theirs when they were made.
ALTER TABLE users ADD COLUMN email_verified_at INTEGER;
UPDATE users SET email_verified_at = created_at;

CREATE TABLE email_verifications (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    expires_at INTEGER NOT NULL,
    used_at INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX email_verifications_user ON email_verifications (user_id);
