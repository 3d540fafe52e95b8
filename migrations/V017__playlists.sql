-- Playlists (issue 10): fans and artists collect tracks, in their order,
-- public or private.
CREATE TABLE music_playlists (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    owner_user_id INTEGER NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    public INTEGER NOT NULL DEFAULT 0 CHECK (public IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
) STRICT;
CREATE INDEX music_playlists_owner ON music_playlists (owner_user_id, id) WHERE deleted_at IS NULL;

CREATE TABLE music_playlist_items (
    playlist_id INTEGER NOT NULL REFERENCES music_playlists (id) ON DELETE CASCADE,
    -- 0-based; rewritten whole on reorder.
    position INTEGER NOT NULL CHECK (position >= 0),
    track_id INTEGER NOT NULL REFERENCES music_tracks (id),
    added_at INTEGER NOT NULL,
    PRIMARY KEY (playlist_id, position)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX music_playlist_items_track ON music_playlist_items (playlist_id, track_id);
