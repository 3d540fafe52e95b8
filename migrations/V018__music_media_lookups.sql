-- Every media request asks who may see the object: the lookups by key
-- must be index seeks, not scans, however many tracks and releases there are.
CREATE INDEX music_tracks_stream_key ON music_tracks (stream_key) WHERE stream_key IS NOT NULL;
CREATE INDEX music_tracks_master_key ON music_tracks (master_key) WHERE master_key IS NOT NULL;
CREATE INDEX music_releases_artwork_key ON music_releases (artwork_key) WHERE artwork_key IS NOT NULL;
CREATE INDEX music_releases_artwork_web_key ON music_releases (artwork_web_key) WHERE artwork_web_key IS NOT NULL;
CREATE INDEX music_releases_artwork_thumb_key ON music_releases (artwork_thumb_key) WHERE artwork_thumb_key IS NOT NULL;
