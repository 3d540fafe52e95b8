-- The app surface's bearer tokens, fan relationships, and Bops (ARCHITECTURE §2–§4).

-- Only a hash of each token is stored.
CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE fan_relationships (
    fan_user_id INTEGER NOT NULL REFERENCES users (id),
    artist_id INTEGER NOT NULL REFERENCES artist_profiles (id),
    following INTEGER NOT NULL DEFAULT 0 CHECK (following IN (0, 1)),
    loyalty_score INTEGER NOT NULL DEFAULT 0,
    followed_at INTEGER,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (fan_user_id, artist_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX fan_relationships_artist ON fan_relationships (artist_id) WHERE following = 1;

CREATE TABLE bops_videos (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    artist_id INTEGER NOT NULL REFERENCES artist_profiles (id),
    caption TEXT NOT NULL DEFAULT '',
    hashtags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(hashtags)),
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'followers', 'private')),
    video_key TEXT NOT NULL,
    poster_key TEXT,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    codec TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    track_uid TEXT,
    like_count INTEGER NOT NULL DEFAULT 0,
    comment_count INTEGER NOT NULL DEFAULT 0,
    view_count INTEGER NOT NULL DEFAULT 0,
    tip_count INTEGER NOT NULL DEFAULT 0,
    tip_total_minor INTEGER NOT NULL DEFAULT 0,
    published_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
) STRICT;
-- The feed walks these newest first with a (published_at, id) keyset.
CREATE INDEX bops_feed ON bops_videos (published_at DESC, id DESC) WHERE deleted_at IS NULL AND visibility = 'public';
CREATE INDEX bops_by_artist ON bops_videos (artist_id, published_at DESC, id DESC) WHERE deleted_at IS NULL;

CREATE TABLE bops_likes (
    bop_id INTEGER NOT NULL REFERENCES bops_videos (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (bop_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX bops_likes_user ON bops_likes (user_id, bop_id);

CREATE TABLE bops_comments (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    bop_id INTEGER NOT NULL REFERENCES bops_videos (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    parent_id INTEGER REFERENCES bops_comments (id),
    body TEXT NOT NULL,
    like_count INTEGER NOT NULL DEFAULT 0,
    hidden_at INTEGER,
    edited_at INTEGER,
    created_at INTEGER NOT NULL,
    deleted_at INTEGER
) STRICT;
CREATE INDEX bops_comments_bop ON bops_comments (bop_id, id);

CREATE TABLE bops_comment_likes (
    comment_id INTEGER NOT NULL REFERENCES bops_comments (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (comment_id, user_id)
) STRICT, WITHOUT ROWID;

-- One row per counted view; `viewer_key` is the user, or a hash of IP and
-- user agent for anonymous viewers.
CREATE TABLE bops_views (
    id INTEGER PRIMARY KEY,
    bop_id INTEGER NOT NULL REFERENCES bops_videos (id),
    viewer_key TEXT NOT NULL,
    watched_ms INTEGER NOT NULL,
    viewed_at INTEGER NOT NULL
) STRICT;
CREATE INDEX bops_views_dedup ON bops_views (bop_id, viewer_key, viewed_at);
