-- Captions an artist attaches to a Bop (issue 14 item 11): one WebVTT file,
-- kept in the media store beside the video (a new key for every upload, as
-- every stored object is write-once) and served by the video's own access
-- rules; its language is a BCP 47 tag, the player's `srclang`.
ALTER TABLE bops_videos ADD COLUMN captions_key TEXT;
ALTER TABLE bops_videos ADD COLUMN captions_lang TEXT;
-- The media route finds a captions file's Bop by its key.
CREATE INDEX bops_captions_key ON bops_videos (captions_key) WHERE captions_key IS NOT NULL;
