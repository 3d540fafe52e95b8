-- Boptone Music (issue 10), first part: releases and their history, and
-- the sequences codes are assigned from.

CREATE TABLE music_releases (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    artist_id INTEGER NOT NULL REFERENCES artist_profiles (id),
    kind TEXT NOT NULL CHECK (kind IN ('single', 'ep', 'album')),
    title TEXT NOT NULL,
    version TEXT NOT NULL DEFAULT '',
    -- Display names of featured artists, a JSON list of strings.
    featured_artists TEXT NOT NULL DEFAULT '[]',
    label_name TEXT NOT NULL,
    genre TEXT NOT NULL,
    subgenre TEXT NOT NULL DEFAULT '',
    -- Calendar dates, YYYY-MM-DD.
    original_release_date TEXT,
    release_date TEXT NOT NULL,
    p_line_year INTEGER NOT NULL,
    p_line TEXT NOT NULL,
    c_line_year INTEGER NOT NULL,
    c_line TEXT NOT NULL,
    parental_advisory TEXT NOT NULL CHECK (parental_advisory IN ('explicit', 'clean', 'none')),
    language TEXT NOT NULL,
    -- UPC-A or EAN-13, check digit verified; assigned codes are never reused.
    upc TEXT UNIQUE,
    artwork_key TEXT,
    artwork_web_key TEXT,
    artwork_thumb_key TEXT,
    artwork_width INTEGER,
    status TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'published', 'taken_down')),
    published_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
) STRICT;
CREATE INDEX music_releases_artist ON music_releases (artist_id, id) WHERE deleted_at IS NULL;
-- Scheduled releases publish themselves when their date comes.
CREATE INDEX music_releases_due ON music_releases (release_date) WHERE status = 'scheduled';

-- Every change of a release's state, for the artist and the label to read.
CREATE TABLE music_release_history (
    id INTEGER PRIMARY KEY,
    release_id INTEGER NOT NULL REFERENCES music_releases (id),
    status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    by_user_id INTEGER REFERENCES users (id),
    at INTEGER NOT NULL
) STRICT;
CREATE INDEX music_release_history_release ON music_release_history (release_id, id);

-- The next number to hand out for each code series ('isrc:QZK6P:2026',
-- 'upc:0614141'): a number taken is never given again, whatever happens
-- to what it was given to.
CREATE TABLE music_code_sequences (
    series TEXT PRIMARY KEY,
    next_value INTEGER NOT NULL CHECK (next_value >= 1)
) STRICT, WITHOUT ROWID;
