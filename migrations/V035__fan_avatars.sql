-- Issue 14 item 1: every account may have an avatar (artists keep their
-- profile photo). Stored like profile photos (content-addressed 512×512
-- JPEG under profiles/), served only while it is someone's current avatar.
ALTER TABLE users ADD COLUMN avatar_key TEXT;
ALTER TABLE users ADD COLUMN avatar_changed_at INTEGER;
CREATE INDEX users_avatar ON users (avatar_key) WHERE avatar_key IS NOT NULL;
