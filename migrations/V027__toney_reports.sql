-- Toney (issue 13): what the monthly report reads, the reports as issued,
-- and "did it work?" — the suggestions an artist followed and what came of
-- them.

-- A month's tally per Bop (tips), product (units sold) and track (streams),
-- kept by Toney's handlers of `bop.tip.received`, `order.completed` and
-- `stream.counted` (or `toney::rebuild`). `month`: `YYYY-MM`, UTC;
-- `amount_micros` in the analytics currency; `count`: tips, units or
-- streams.
CREATE TABLE toney_month_items (
    artist_id INTEGER NOT NULL REFERENCES artist_profiles (id),
    month TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('bop', 'product', 'track')),
    item TEXT NOT NULL,
    title TEXT NOT NULL,
    amount_micros INTEGER NOT NULL DEFAULT 0,
    count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (artist_id, month, kind, item)
) STRICT, WITHOUT ROWID;

-- A monthly report as issued on the first of the next month: its figures
-- and sentences as JSON, frozen (later events change nothing).
CREATE TABLE toney_monthly_reports (
    artist_id INTEGER NOT NULL REFERENCES artist_profiles (id),
    month TEXT NOT NULL,
    report TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (artist_id, month)
) STRICT;

-- A Bop posted as Toney suggested: on the best weekday or hour it named
-- at the time, or announcing a new track. `median_views` and `samples`:
-- the comparison Toney made then; `views_48h` and `measured_at` are
-- filled when its 48 hours are over and the artist is told.
CREATE TABLE toney_followups (
    bop_uid TEXT PRIMARY KEY,
    artist_id INTEGER NOT NULL REFERENCES artist_profiles (id),
    kind TEXT NOT NULL CHECK (kind IN ('best_day', 'best_hour', 'announce_track')),
    detail TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    median_views REAL NOT NULL,
    samples INTEGER NOT NULL,
    views_48h INTEGER,
    measured_at INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX toney_followups_due ON toney_followups (published_at) WHERE measured_at IS NULL;
CREATE INDEX toney_followups_artist ON toney_followups (artist_id, published_at DESC);
