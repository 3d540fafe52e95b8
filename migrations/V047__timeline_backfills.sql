-- Which follow (by its `fan_relationships.followed_at`) last backfilled the
-- fan's timeline with the artist's Bops. A `fan.followed` handled while that
-- same follow still stands has nothing to add, and skips its index walk and
-- its thousand INSERT OR IGNOREs: under a follow/unfollow flood the worker
-- settles a dozen follows of one pair per round, and each repeated the
-- whole backfill (half of the worker's time). A new follow has a new
-- `followed_at`, so it backfills whatever was published while the fan was
-- away. An unfollow's removal deletes the pair's row. Existing pairs start
-- without one: their next follow backfills, as before.
CREATE TABLE bops_timeline_backfills (
    fan_user_id INTEGER NOT NULL REFERENCES users (id),
    artist_id INTEGER NOT NULL REFERENCES artist_profiles (id),
    followed_at INTEGER NOT NULL,
    PRIMARY KEY (fan_user_id, artist_id)
) STRICT, WITHOUT ROWID;
