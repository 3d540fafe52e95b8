-- Web push (RFC 8030/8291/8292). A browser that allowed notifications hands
-- the server its push service endpoint and two public values; every in-app
-- notification for that user is then also pushed there.
CREATE TABLE push_subscriptions (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    -- The push service URL; a capability only the browser knows.
    endpoint TEXT NOT NULL UNIQUE,
    -- The browser's P-256 public key (65 bytes, uncompressed) and auth secret (16 bytes).
    p256dh BLOB NOT NULL CHECK (length(p256dh) = 65),
    auth BLOB NOT NULL CHECK (length(auth) = 16),
    created_at INTEGER NOT NULL,
    last_success_at INTEGER,
    -- Failed attempts since the last success.
    failures INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id, id);

-- Pushes waiting for delivery, written in the transaction that records the
-- notification and sent after commit by the push sender, outside the single
-- writer, with the events' backoff. A delivered push is deleted; one that
-- ran out of attempts stays as 'dead' (the newest ten per subscription)
-- until its subscription goes.
CREATE TABLE push_outbox (
    id INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
    -- JSON {"title","body","url"}, encrypted only when sent.
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX push_outbox_due ON push_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX push_outbox_subscription ON push_outbox (subscription_id);
