-- DDEX delivery (issue 10): one row per release × target × message kind,
-- sent after commit by music's delivery job with retries and backoff, and
-- every attempt in the log the artist and the label read.

CREATE TABLE ddex_deliveries (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    release_id INTEGER NOT NULL REFERENCES music_releases (id),
    target TEXT NOT NULL,
    -- 'new': a NewReleaseMessage; 'takedown': its deals ended.
    kind TEXT NOT NULL CHECK (kind IN ('new', 'takedown')),
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivering', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    batch_id TEXT,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER
) STRICT;
CREATE INDEX ddex_deliveries_due ON ddex_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX ddex_deliveries_release ON ddex_deliveries (release_id, id);

CREATE TABLE ddex_delivery_attempts (
    id INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES ddex_deliveries (id),
    attempt INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
    -- What was written (the batch folder), or why it failed.
    detail TEXT NOT NULL
) STRICT;
CREATE INDEX ddex_delivery_attempts_delivery ON ddex_delivery_attempts (delivery_id, id);
