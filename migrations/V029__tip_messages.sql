-- Tips, Ko-fi style (issue 14): a message with the tip, the fan's choice to
-- be named on the artist's supporters wall, and the wall itself, which the
-- artist switches on.

ALTER TABLE bops_tips ADD COLUMN message TEXT NOT NULL DEFAULT '';
ALTER TABLE bops_tips ADD COLUMN on_wall INTEGER NOT NULL DEFAULT 1 CHECK (on_wall IN (0, 1));
-- A fan's tip history, newest first.
CREATE INDEX bops_tips_fan ON bops_tips (fan_user_id, id DESC);
-- The wall: an artist's paid tips the fans let it show, newest first.
CREATE INDEX bops_tips_wall ON bops_tips (artist_id, succeeded_at DESC, id DESC) WHERE status = 'succeeded' AND on_wall = 1;

-- Artists whose supporters wall is on (`/@handle/supporters`).
CREATE TABLE bops_supporter_walls (
    artist_id INTEGER PRIMARY KEY REFERENCES artist_profiles (id),
    enabled_at INTEGER NOT NULL
) STRICT;
