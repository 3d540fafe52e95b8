-- A number per artist that changes whenever their figures do: the daily and
-- monthly snapshots, the earnings per item and the payouts. The earnings page
-- keeps what it drew under this number (analytics::memo) and draws again only
-- when it moved. Triggers bump it, so no writer (the handlers, the rebuild,
-- the payout jobs, the demo loader) can forget to.
CREATE TABLE artist_figures_version (
    artist_id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL
) STRICT;

CREATE TRIGGER artist_analytics_figures_insert AFTER INSERT ON artist_analytics
BEGIN
    INSERT INTO artist_figures_version (artist_id, version) VALUES (NEW.artist_id, 1)
        ON CONFLICT (artist_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER artist_analytics_figures_update AFTER UPDATE ON artist_analytics
BEGIN
    INSERT INTO artist_figures_version (artist_id, version) VALUES (NEW.artist_id, 1)
        ON CONFLICT (artist_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER artist_analytics_figures_delete AFTER DELETE ON artist_analytics
BEGIN
    INSERT INTO artist_figures_version (artist_id, version) VALUES (OLD.artist_id, 1)
        ON CONFLICT (artist_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER artist_analytics_monthly_figures_insert AFTER INSERT ON artist_analytics_monthly
BEGIN
    INSERT INTO artist_figures_version (artist_id, version) VALUES (NEW.artist_id, 1)
        ON CONFLICT (artist_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER artist_analytics_monthly_figures_update AFTER UPDATE ON artist_analytics_monthly
BEGIN
    INSERT INTO artist_figures_version (artist_id, version) VALUES (NEW.artist_id, 1)
        ON CONFLICT (artist_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER artist_analytics_monthly_figures_delete AFTER DELETE ON artist_analytics_monthly
BEGIN
    INSERT INTO artist_figures_version (artist_id, version) VALUES (OLD.artist_id, 1)
        ON CONFLICT (artist_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER artist_item_earnings_figures_insert AFTER INSERT ON artist_item_earnings
BEGIN
    INSERT INTO artist_figures_version (artist_id, version) VALUES (NEW.artist_id, 1)
        ON CONFLICT (artist_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER artist_item_earnings_figures_update AFTER UPDATE ON artist_item_earnings
BEGIN
    INSERT INTO artist_figures_version (artist_id, version) VALUES (NEW.artist_id, 1)
        ON CONFLICT (artist_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER artist_item_earnings_figures_delete AFTER DELETE ON artist_item_earnings
BEGIN
    INSERT INTO artist_figures_version (artist_id, version) VALUES (OLD.artist_id, 1)
        ON CONFLICT (artist_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER payouts_figures_insert AFTER INSERT ON payouts
BEGIN
    INSERT INTO artist_figures_version (artist_id, version) VALUES (NEW.artist_id, 1)
        ON CONFLICT (artist_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER payouts_figures_update AFTER UPDATE ON payouts
BEGIN
    INSERT INTO artist_figures_version (artist_id, version) VALUES (NEW.artist_id, 1)
        ON CONFLICT (artist_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER payouts_figures_delete AFTER DELETE ON payouts
BEGIN
    INSERT INTO artist_figures_version (artist_id, version) VALUES (OLD.artist_id, 1)
        ON CONFLICT (artist_id) DO UPDATE SET version = version + 1;
END;
