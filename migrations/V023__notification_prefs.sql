-- Notifications: the unread counter the header and the feed read, the
-- per-kind email/push choices, one-click unsubscribe links, and the site
-- paths an emailed notice carries (made absolute when the mail is sent).

-- Unread notices per user, kept by triggers on `notifications` so that every
-- writer (insert, mark read, delete) keeps it right: reading the count is
-- one primary-key lookup, never a COUNT over a growing table.
CREATE TABLE notification_unread (
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    unread INTEGER NOT NULL CHECK (unread >= 0)
) STRICT;
INSERT INTO notification_unread (user_id, unread)
    SELECT user_id, COUNT(*) FROM notifications WHERE read_at IS NULL GROUP BY user_id;

CREATE TRIGGER notifications_unread_insert AFTER INSERT ON notifications
WHEN NEW.read_at IS NULL
BEGIN
    INSERT INTO notification_unread (user_id, unread) VALUES (NEW.user_id, 1)
        ON CONFLICT (user_id) DO UPDATE SET unread = unread + 1;
END;

CREATE TRIGGER notifications_unread_read AFTER UPDATE OF read_at ON notifications
WHEN OLD.read_at IS NULL AND NEW.read_at IS NOT NULL
BEGIN
    UPDATE notification_unread SET unread = unread - 1 WHERE user_id = OLD.user_id;
END;

CREATE TRIGGER notifications_unread_delete AFTER DELETE ON notifications
WHEN OLD.read_at IS NULL
BEGIN
    UPDATE notification_unread SET unread = unread - 1 WHERE user_id = OLD.user_id;
END;

-- "Mark all read" walks only the user's unread notices.
CREATE INDEX notifications_unread_by_user ON notifications (user_id, id) WHERE read_at IS NULL;

-- A user's choice per notification kind; without a row the kind's default
-- (src/notify/kinds.rs) holds.
CREATE TABLE notification_prefs (
    user_id INTEGER NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    email INTEGER NOT NULL CHECK (email IN (0, 1)),
    push INTEGER NOT NULL CHECK (push IN (0, 1)),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind)
) STRICT, WITHOUT ROWID;

-- One-click unsubscribe links (RFC 8058): the SHA-256 of a random token,
-- one per notice email, good for turning off email of one kind for one
-- user and nothing else. Older than 180 days, they are deleted when the
-- next token of the same user and kind is made.
CREATE TABLE unsubscribe_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX unsubscribe_tokens_user_kind ON unsubscribe_tokens (user_id, kind, created_at);

-- Site paths of a notice email: the notice's link and its unsubscribe link.
-- The sender makes them absolute with server.public_url and adds the
-- List-Unsubscribe headers.
ALTER TABLE mail_outbox ADD COLUMN link_path TEXT;
ALTER TABLE mail_outbox ADD COLUMN unsubscribe_path TEXT;
