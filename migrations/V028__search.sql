-- Search and explore (issue 14, item 5): the search pillar's own copy of
-- what fans may find — artists, public Bops, published tracks and active
-- products — kept by its event handlers (or `search::rebuild`), with an
-- FTS5 index per kind, and the counts the explore page ranks by.
--
-- Every FTS table indexes its documents table as external content and is
-- kept in step by the triggers below, so handlers only write plain rows.
-- Tokens: unicode61 with diacritics folded ("beyonce" finds "Beyoncé"),
-- `_` kept inside words (handles and hashtags like `new_music` are one
-- token), prefix indexes of 2 and 3 characters (typing "be" reads one
-- doclist instead of merging every term that starts with it).

-- Artists with a profile. Findable while `completed = 1 AND suspended = 0`
-- (suspension is read at query time, so it hides the artist's Bops, tracks
-- and products at once, without touching their rows). `followers`: the
-- popularity tie-break.
CREATE TABLE search_artists (
    id INTEGER PRIMARY KEY, -- artist_profiles.id
    uid TEXT NOT NULL UNIQUE,
    handle TEXT NOT NULL DEFAULT '',
    stage_name TEXT NOT NULL DEFAULT '',
    photo_key TEXT,
    completed INTEGER NOT NULL DEFAULT 0 CHECK (completed IN (0, 1)),
    suspended INTEGER NOT NULL DEFAULT 0 CHECK (suspended IN (0, 1)),
    followers INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX search_artists_followers ON search_artists (followers DESC);

CREATE VIRTUAL TABLE search_artists_fts USING fts5 (
    handle, stage_name,
    content = 'search_artists', content_rowid = 'id',
    tokenize = "unicode61 remove_diacritics 2 tokenchars '_'", prefix = '2 3'
);

-- Public, not deleted Bops. `id` is bops_videos.id, so the newest are the
-- highest rowids and "newest matches first" is a walk down the index that
-- stops at the limit. `tags`: the hashtags, space-separated.
CREATE TABLE search_bops (
    id INTEGER PRIMARY KEY, -- bops_videos.id
    uid TEXT NOT NULL UNIQUE,
    artist_id INTEGER NOT NULL,
    caption TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    poster_key TEXT,
    published_at INTEGER NOT NULL
) STRICT;

CREATE VIRTUAL TABLE search_bops_fts USING fts5 (
    caption, tags,
    content = 'search_bops', content_rowid = 'id',
    tokenize = "unicode61 remove_diacritics 2 tokenchars '_'", prefix = '2 3'
);

-- Tracks of published releases (a takedown removes them).
CREATE TABLE search_tracks (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    release_uid TEXT NOT NULL,
    artist_id INTEGER NOT NULL,
    title TEXT NOT NULL
) STRICT;
CREATE INDEX search_tracks_release ON search_tracks (release_uid);

CREATE VIRTUAL TABLE search_tracks_fts USING fts5 (
    title,
    content = 'search_tracks', content_rowid = 'id',
    tokenize = "unicode61 remove_diacritics 2 tokenchars '_'", prefix = '2 3'
);

-- Active, not deleted products; `price_minor`/`currency`: the cheapest
-- variant (null without variants). `tags`: space-separated.
CREATE TABLE search_products (
    id INTEGER PRIMARY KEY, -- products.id
    uid TEXT NOT NULL UNIQUE,
    artist_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    price_minor INTEGER,
    currency TEXT
) STRICT;

CREATE VIRTUAL TABLE search_products_fts USING fts5 (
    title, tags,
    content = 'search_products', content_rowid = 'id',
    tokenize = "unicode61 remove_diacritics 2 tokenchars '_'", prefix = '2 3'
);

-- Public Bops per hashtag per UTC day (day = published_at / 86400000),
-- kept by the triggers on `search_bops`, so the counts are always exactly
-- the indexed Bops: explore's trending hashtags sum the last seven days.
CREATE TABLE search_tag_days (
    day INTEGER NOT NULL,
    tag TEXT NOT NULL,
    bops INTEGER NOT NULL,
    PRIMARY KEY (day, tag)
) STRICT, WITHOUT ROWID;

-- Engagement an artist got per UTC day: follows begun that day (and still
-- standing) and likes made that day; explore's trending artists sum the
-- last seven days. Rows older than two weeks are pruned.
CREATE TABLE search_artist_days (
    day INTEGER NOT NULL,
    artist_id INTEGER NOT NULL,
    follows INTEGER NOT NULL DEFAULT 0,
    likes INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, artist_id)
) STRICT, WITHOUT ROWID;

-- `built_at`: null until `search::rebuild` has indexed what existed before
-- this migration (startup runs it once). `rebuilding`: 1 while a rebuild
-- refills the tables, which then fills the FTS tables and counts in bulk
-- instead of row by row through the triggers.
CREATE TABLE search_meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    built_at INTEGER,
    rebuilding INTEGER NOT NULL DEFAULT 0 CHECK (rebuilding IN (0, 1))
) STRICT;
INSERT INTO search_meta (id, built_at) VALUES (1, NULL);

-- The FTS tables follow their documents.
CREATE TRIGGER search_artists_ai AFTER INSERT ON search_artists
    WHEN (SELECT rebuilding FROM search_meta WHERE id = 1) = 0 BEGIN
    INSERT INTO search_artists_fts (rowid, handle, stage_name) VALUES (new.id, new.handle, new.stage_name);
END;
CREATE TRIGGER search_artists_ad AFTER DELETE ON search_artists
    WHEN (SELECT rebuilding FROM search_meta WHERE id = 1) = 0 BEGIN
    INSERT INTO search_artists_fts (search_artists_fts, rowid, handle, stage_name)
    VALUES ('delete', old.id, old.handle, old.stage_name);
END;
CREATE TRIGGER search_artists_au AFTER UPDATE OF handle, stage_name ON search_artists
    WHEN (SELECT rebuilding FROM search_meta WHERE id = 1) = 0 BEGIN
    INSERT INTO search_artists_fts (search_artists_fts, rowid, handle, stage_name)
    VALUES ('delete', old.id, old.handle, old.stage_name);
    INSERT INTO search_artists_fts (rowid, handle, stage_name) VALUES (new.id, new.handle, new.stage_name);
END;

CREATE TRIGGER search_bops_ai AFTER INSERT ON search_bops
    WHEN (SELECT rebuilding FROM search_meta WHERE id = 1) = 0 BEGIN
    INSERT INTO search_bops_fts (rowid, caption, tags) VALUES (new.id, new.caption, new.tags);
    INSERT INTO search_tag_days (day, tag, bops)
    SELECT DISTINCT new.published_at / 86400000, value, 1 FROM json_each('["' || replace(new.tags, ' ', '","') || '"]')
    WHERE value <> ''
    ON CONFLICT (day, tag) DO UPDATE SET bops = bops + 1;
END;
CREATE TRIGGER search_bops_ad AFTER DELETE ON search_bops
    WHEN (SELECT rebuilding FROM search_meta WHERE id = 1) = 0 BEGIN
    INSERT INTO search_bops_fts (search_bops_fts, rowid, caption, tags) VALUES ('delete', old.id, old.caption, old.tags);
    UPDATE search_tag_days SET bops = bops - 1
    WHERE day = old.published_at / 86400000
      AND tag IN (SELECT value FROM json_each('["' || replace(old.tags, ' ', '","') || '"]'));
    DELETE FROM search_tag_days WHERE day = old.published_at / 86400000 AND bops <= 0;
END;
CREATE TRIGGER search_bops_au AFTER UPDATE OF caption, tags ON search_bops
    WHEN (SELECT rebuilding FROM search_meta WHERE id = 1) = 0 BEGIN
    INSERT INTO search_bops_fts (search_bops_fts, rowid, caption, tags) VALUES ('delete', old.id, old.caption, old.tags);
    INSERT INTO search_bops_fts (rowid, caption, tags) VALUES (new.id, new.caption, new.tags);
    UPDATE search_tag_days SET bops = bops - 1
    WHERE day = old.published_at / 86400000
      AND tag IN (SELECT value FROM json_each('["' || replace(old.tags, ' ', '","') || '"]'));
    DELETE FROM search_tag_days WHERE day = old.published_at / 86400000 AND bops <= 0;
    INSERT INTO search_tag_days (day, tag, bops)
    SELECT DISTINCT new.published_at / 86400000, value, 1 FROM json_each('["' || replace(new.tags, ' ', '","') || '"]')
    WHERE value <> ''
    ON CONFLICT (day, tag) DO UPDATE SET bops = bops + 1;
END;

CREATE TRIGGER search_tracks_ai AFTER INSERT ON search_tracks
    WHEN (SELECT rebuilding FROM search_meta WHERE id = 1) = 0 BEGIN
    INSERT INTO search_tracks_fts (rowid, title) VALUES (new.id, new.title);
END;
CREATE TRIGGER search_tracks_ad AFTER DELETE ON search_tracks
    WHEN (SELECT rebuilding FROM search_meta WHERE id = 1) = 0 BEGIN
    INSERT INTO search_tracks_fts (search_tracks_fts, rowid, title) VALUES ('delete', old.id, old.title);
END;
CREATE TRIGGER search_tracks_au AFTER UPDATE OF title ON search_tracks
    WHEN (SELECT rebuilding FROM search_meta WHERE id = 1) = 0 BEGIN
    INSERT INTO search_tracks_fts (search_tracks_fts, rowid, title) VALUES ('delete', old.id, old.title);
    INSERT INTO search_tracks_fts (rowid, title) VALUES (new.id, new.title);
END;

CREATE TRIGGER search_products_ai AFTER INSERT ON search_products
    WHEN (SELECT rebuilding FROM search_meta WHERE id = 1) = 0 BEGIN
    INSERT INTO search_products_fts (rowid, title, tags) VALUES (new.id, new.title, new.tags);
END;
CREATE TRIGGER search_products_ad AFTER DELETE ON search_products
    WHEN (SELECT rebuilding FROM search_meta WHERE id = 1) = 0 BEGIN
    INSERT INTO search_products_fts (search_products_fts, rowid, title, tags) VALUES ('delete', old.id, old.title, old.tags);
END;
CREATE TRIGGER search_products_au AFTER UPDATE OF title, tags ON search_products
    WHEN (SELECT rebuilding FROM search_meta WHERE id = 1) = 0 BEGIN
    INSERT INTO search_products_fts (search_products_fts, rowid, title, tags) VALUES ('delete', old.id, old.title, old.tags);
    INSERT INTO search_products_fts (rowid, title, tags) VALUES (new.id, new.title, new.tags);
END;
