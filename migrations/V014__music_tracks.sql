-- Boptone Music (issue 10), second part: tracks with their lossless masters
-- and streamable renditions, credits, the collaborators' splits, and
-- counted streams.

-- An upload session serves one purpose: a Bop's video or a track's master.
-- Each takes only its own kind, under its own key and size limit.
ALTER TABLE bops_uploads ADD COLUMN purpose TEXT NOT NULL DEFAULT 'bop' CHECK (purpose IN ('bop', 'master'));

CREATE TABLE music_tracks (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    release_id INTEGER NOT NULL REFERENCES music_releases (id),
    -- 1-based order on the release.
    position INTEGER NOT NULL CHECK (position >= 1),
    title TEXT NOT NULL,
    version TEXT NOT NULL DEFAULT '',
    -- CC-XXX-YY-NNNNN without dashes; given by the artist or assigned at
    -- publishing from the label's registrant. Never reused.
    isrc TEXT UNIQUE,
    explicit INTEGER NOT NULL DEFAULT 0 CHECK (explicit IN (0, 1)),
    genre TEXT NOT NULL DEFAULT '',
    -- JSON list of mood tags.
    moods TEXT NOT NULL DEFAULT '[]',
    preview_start_ms INTEGER NOT NULL DEFAULT 0 CHECK (preview_start_ms >= 0),
    -- The master as uploaded, untouched, and what the probe read of it.
    master_key TEXT,
    master_format TEXT CHECK (master_format IN ('wav', 'flac')),
    master_bytes INTEGER,
    sample_rate INTEGER,
    bits_per_sample INTEGER,
    channels INTEGER,
    duration_ms INTEGER,
    -- EBU R128 integrated loudness (LUFS; NULL for digital silence) and true peak (dBTP).
    loudness_lufs REAL,
    true_peak_dbtp REAL,
    master_sha256 TEXT,
    master_md5 TEXT,
    -- The FLAC rendition browsers play.
    stream_key TEXT,
    stream_bytes INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
) STRICT;
CREATE INDEX music_tracks_release ON music_tracks (release_id, position) WHERE deleted_at IS NULL;

CREATE TABLE music_track_credits (
    track_id INTEGER NOT NULL REFERENCES music_tracks (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    PRIMARY KEY (track_id, position)
) STRICT, WITHOUT ROWID;

-- Who shares in what a track earns: basis points summing to 10,000 per track.
CREATE TABLE music_track_splits (
    id INTEGER PRIMARY KEY,
    track_id INTEGER NOT NULL REFERENCES music_tracks (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    -- The collaborator's Boptone account, when they have one.
    user_id INTEGER REFERENCES users (id),
    basis_points INTEGER NOT NULL CHECK (basis_points BETWEEN 1 AND 10000),
    invited_at INTEGER
) STRICT;
CREATE INDEX music_track_splits_track ON music_track_splits (track_id, id);

-- Counted streams (30 s played), per UTC day, track and source.
CREATE TABLE streaming_metrics (
    day TEXT NOT NULL,
    track_id INTEGER NOT NULL REFERENCES music_tracks (id),
    source TEXT NOT NULL CHECK (source IN ('app', 'web', 'bop')),
    streams INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (track_id, day, source)
) STRICT, WITHOUT ROWID;

-- Each listener's play of a track: when it started (the player says so),
-- and when it last counted. A stream counts once 30 s have been played —
-- the position the player reports, and the time since the start, both — and
-- at most once per listener and track per 30 minutes. One row per pair, so
-- the table grows with listeners × tracks, not with plays.
CREATE TABLE music_plays (
    listener_id INTEGER NOT NULL REFERENCES users (id),
    track_id INTEGER NOT NULL REFERENCES music_tracks (id),
    source TEXT NOT NULL CHECK (source IN ('app', 'web', 'bop')),
    started_at INTEGER NOT NULL,
    counted_at INTEGER,
    PRIMARY KEY (listener_id, track_id)
) STRICT, WITHOUT ROWID;
