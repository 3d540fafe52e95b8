-- The For You feed (issue 14): every public Bop's standing, kept by the Bops
-- pillar's handlers as decaying sums (see core::decay): a seed at publishing
-- (the artist's fans' average loyalty) and the heat of its engagement
-- (likes, comments, tips, views weighted by how much was watched), both
-- halving every 12 hours. `rank` orders the candidates of every fan's feed.
CREATE TABLE bops_rank (
    bop_id INTEGER PRIMARY KEY REFERENCES bops_videos (id),
    artist_id INTEGER NOT NULL,
    published_at INTEGER NOT NULL,
    seed_rank REAL NOT NULL,
    heat_rank REAL,
    rank REAL NOT NULL,
    -- The artist's fans' average loyalty at publishing.
    artist_loyalty REAL NOT NULL DEFAULT 0,
    -- The artist's genres at publishing, lowercase, '|'-separated.
    genres TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX bops_rank_order ON bops_rank (rank DESC);

-- What a fan listens to and follows, by genre: +3 a followed artist's
-- genre (−3 when unfollowed), +1 a counted stream's.
CREATE TABLE fan_genre_affinity (
    fan_user_id INTEGER NOT NULL REFERENCES users (id),
    genre TEXT NOT NULL,
    points INTEGER NOT NULL,
    PRIMARY KEY (fan_user_id, genre)
) STRICT, WITHOUT ROWID;
