-- The transactional outbox (ARCHITECTURE §4). A row is written in the same
-- transaction as the change it announces; the worker runs each registered
-- handler once and records it in platform_event_handlers.
CREATE TABLE platform_events (
    id INTEGER PRIMARY KEY,
    event_uid TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL CHECK (json_valid(payload)),
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    completed_at INTEGER
) STRICT;

CREATE INDEX platform_events_due ON platform_events (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX platform_events_dead ON platform_events (id) WHERE status = 'dead';

-- One row per handler that has finished with an event, committed in the same
-- transaction as the handler's own writes: a handler's effect happens once.
CREATE TABLE platform_event_handlers (
    event_id INTEGER NOT NULL REFERENCES platform_events (id),
    handler TEXT NOT NULL,
    completed_at INTEGER NOT NULL,
    PRIMARY KEY (event_id, handler)
) STRICT, WITHOUT ROWID;
