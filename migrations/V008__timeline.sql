-- Per-fan timelines (ARCHITECTURE §2: feeds read precomputed rows). A Bop is
-- written into its followers' timelines when it is published (fan-out on
-- write, in bounded batches); a follow backfills the artist's recent Bops and
-- an unfollow removes them. Visibility, deletion and suspension are checked
-- again when the feed is read.
CREATE TABLE bops_timeline (
    fan_user_id INTEGER NOT NULL REFERENCES users (id),
    published_at INTEGER NOT NULL,
    bop_id INTEGER NOT NULL REFERENCES bops_videos (id),
    artist_id INTEGER NOT NULL REFERENCES artist_profiles (id),
    PRIMARY KEY (fan_user_id, published_at, bop_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX bops_timeline_artist ON bops_timeline (fan_user_id, artist_id);

-- Each timeline keeps its newest rows only. `len` counts its rows (so trimming
-- needs no COUNT); every followed Bop newer than the floor
-- (floor_published_at, floor_bop_id) is in the timeline, and older ones are
-- served with everyone else's, so each Bop still appears once.
CREATE TABLE bops_timeline_state (
    fan_user_id INTEGER PRIMARY KEY REFERENCES users (id),
    len INTEGER NOT NULL DEFAULT 0,
    floor_published_at INTEGER NOT NULL DEFAULT -1,
    floor_bop_id INTEGER NOT NULL DEFAULT -1
) STRICT;
