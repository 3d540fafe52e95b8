-- A lower-bitrate rendition of each Bop's video for slow connections
-- (issue 14): made after publish by ffmpeg, when it is installed. Each Bop
-- has one job row; the video's key is on the Bop itself once it exists, so
-- the feed reads it with the Bop and the media route finds its owner.

CREATE TABLE bops_renditions (
    bop_id INTEGER PRIMARY KEY REFERENCES bops_videos (id),
    -- pending: to be made (again at next_attempt_at); done: made;
    -- skipped: not worth making (the original is already that low, or the
    -- Bop was deleted first); failed: given up after its attempts.
    state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'skipped', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    -- What was made (when done).
    width INTEGER,
    height INTEGER,
    size_bytes INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX bops_renditions_due ON bops_renditions (next_attempt_at) WHERE state = 'pending';

-- The rendition's media key, once made; it is served by the same rules as
-- the video itself and purged with it.
ALTER TABLE bops_videos ADD COLUMN low_video_key TEXT;
CREATE INDEX bops_low_video_key ON bops_videos (low_video_key) WHERE low_video_key IS NOT NULL;

-- Bops published before this migration get theirs too.
INSERT INTO bops_renditions (bop_id, state, next_attempt_at, created_at, updated_at)
SELECT id, 'pending', published_at, published_at, published_at FROM bops_videos WHERE deleted_at IS NULL;
