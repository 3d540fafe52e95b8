-- The label console's foundation (issue 15): the audit log, admins' second
-- factor (TOTP, RFC 6238) and recovery codes, sessions that remember when
-- the second factor was given, and suspension with a reason for any account.

-- Every admin action, kept for the label to read and export. `actor_name`
-- is copied (an email, or "cli" for the command line) so the log stays
-- readable after an account is erased.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_id INTEGER REFERENCES users (id),
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_uid TEXT NOT NULL,
    reason TEXT,
    detail TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_target ON audit_log (target_kind, target_uid, id);

-- One authenticator per admin. `confirmed_at` is NULL while enrolment waits
-- for the first code; `last_step` refuses a code used once already (replay).
CREATE TABLE admin_totp (
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    secret TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    confirmed_at INTEGER,
    last_step INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Single-use codes for a lost authenticator; only their SHA-256 is kept.
CREATE TABLE admin_recovery_codes (
    user_id INTEGER NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    used_at INTEGER,
    PRIMARY KEY (user_id, code_hash)
) STRICT, WITHOUT ROWID;

-- When this session gave the second factor, and when it last confirmed a
-- destructive action with it.
ALTER TABLE sessions ADD COLUMN mfa_at INTEGER;
ALTER TABLE sessions ADD COLUMN reauth_at INTEGER;

-- Any account may be suspended by the label, with the reason shown to them.
ALTER TABLE users ADD COLUMN suspended_at INTEGER;
ALTER TABLE users ADD COLUMN suspended_reason TEXT;
