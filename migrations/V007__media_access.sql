-- Media access follows the content (ARCHITECTURE §6): the media route finds
-- the content that owns a key, so keys need indexes; every video records the
-- type it is served with; purged media is marked while the row stays
-- soft-deleted for the audit trail.

-- The type found by probing the container at publish. Rows from before this
-- migration: VP8/VP9 came in WebM, everything else in MP4/QuickTime.
ALTER TABLE bops_videos ADD COLUMN video_type TEXT NOT NULL DEFAULT 'video/mp4';
UPDATE bops_videos SET video_type = 'video/webm' WHERE codec IN ('vp8', 'vp9');

-- Set when the files of a soft-deleted Bop were removed from the store.
ALTER TABLE bops_videos ADD COLUMN media_purged_at INTEGER;

CREATE INDEX bops_video_key ON bops_videos (video_key);
CREATE INDEX bops_poster_key ON bops_videos (poster_key) WHERE poster_key IS NOT NULL;
-- The purge walks soft-deleted Bops whose files are still stored, oldest first.
CREATE INDEX bops_purgeable ON bops_videos (deleted_at) WHERE deleted_at IS NOT NULL AND media_purged_at IS NULL;
CREATE INDEX artist_profiles_photo_key ON artist_profiles (photo_key) WHERE photo_key IS NOT NULL;
