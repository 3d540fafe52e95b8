-- Followers per artist for the artist's page (issue 14), kept by triggers on
-- fan_relationships so every writer (follows, the demo loader, an erasure)
-- keeps it right. Only a change of `following` fires them: the loyalty
-- updates on every like and view do not.
CREATE TABLE artist_follower_counts (
    artist_id INTEGER PRIMARY KEY,
    followers INTEGER NOT NULL CHECK (followers >= 0)
) STRICT;

INSERT INTO artist_follower_counts (artist_id, followers)
    SELECT artist_id, count(*) FROM fan_relationships WHERE following = 1 GROUP BY artist_id;

CREATE TRIGGER fan_relationships_follow_insert AFTER INSERT ON fan_relationships WHEN NEW.following = 1
BEGIN
    INSERT INTO artist_follower_counts (artist_id, followers) VALUES (NEW.artist_id, 1)
        ON CONFLICT (artist_id) DO UPDATE SET followers = followers + 1;
END;

CREATE TRIGGER fan_relationships_follow_update AFTER UPDATE OF following ON fan_relationships
    WHEN OLD.following <> NEW.following
BEGIN
    INSERT INTO artist_follower_counts (artist_id, followers) VALUES (NEW.artist_id, max(NEW.following, 0))
        ON CONFLICT (artist_id) DO UPDATE SET followers = max(followers + CASE WHEN NEW.following = 1 THEN 1 ELSE -1 END, 0);
END;

CREATE TRIGGER fan_relationships_follow_delete AFTER DELETE ON fan_relationships WHEN OLD.following = 1
BEGIN
    UPDATE artist_follower_counts SET followers = max(followers - 1, 0) WHERE artist_id = OLD.artist_id;
END;
