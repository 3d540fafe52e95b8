-- Toney (issue 13): launch snapshots the insights read instead of the
-- pillars' tables, and the artist's conversations with Toney.

-- One row per Bop: when it went up (UTC weekday, 0 = Monday, and hour) and
-- the views it got in its first 48 hours, kept by Toney's handlers of
-- `bop.published` and `bop.viewed` (or `toney::rebuild`). `suggested_at`:
-- when Toney suggested "more like this" for it (once per Bop).
CREATE TABLE toney_bop_launches (
    bop_uid TEXT PRIMARY KEY,
    artist_id INTEGER NOT NULL REFERENCES artist_profiles (id),
    published_at INTEGER NOT NULL,
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    hour INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
    views_48h INTEGER NOT NULL DEFAULT 0,
    suggested_at INTEGER
) STRICT, WITHOUT ROWID;
-- Covering: the insights read an artist's newest 730 launches from the
-- index alone (one random lookup per row into a table of a million Bops
-- cost 1.3 ms).
CREATE INDEX toney_bop_launches_artist
    ON toney_bop_launches (artist_id, published_at DESC, weekday, hour, views_48h);

-- One row per published track: streams in its first 48 hours, from
-- `track.published` and `stream.counted`. A release's tracks launch
-- together; its first (`position` 1) speaks for it.
CREATE TABLE toney_track_launches (
    track_uid TEXT PRIMARY KEY,
    artist_id INTEGER NOT NULL REFERENCES artist_profiles (id),
    release_uid TEXT NOT NULL,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    streams_48h INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;
CREATE INDEX toney_track_launches_artist ON toney_track_launches (artist_id, published_at DESC);

-- A conversation with Toney. An artist has at most one open (not deleted)
-- at a time; "clear conversation" soft-deletes it and the next message
-- starts another. `kind`: how it started.
CREATE TABLE toney_ai_sessions (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    artist_id INTEGER NOT NULL REFERENCES artist_profiles (id),
    kind TEXT NOT NULL CHECK (kind IN ('chat', 'onboarding')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
) STRICT;
CREATE UNIQUE INDEX toney_ai_sessions_open ON toney_ai_sessions (artist_id) WHERE deleted_at IS NULL;

-- The messages of a conversation, oldest first by id. A message is text
-- (shown escaped, never as HTML) and at most one suggested action.
CREATE TABLE toney_ai_messages (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES toney_ai_sessions (id),
    author TEXT NOT NULL CHECK (author IN ('artist', 'toney')),
    body TEXT NOT NULL,
    action_label TEXT,
    action_link TEXT,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX toney_ai_messages_session ON toney_ai_messages (session_id, id);
