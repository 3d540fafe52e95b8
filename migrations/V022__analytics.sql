-- Analytics (issue 12): daily snapshots per artist, earnings per item,
-- fan loyalty with time decay, payouts and monthly statements.

-- One row per artist per UTC day, kept by event handlers and reproduced
-- exactly by `boptone analytics rebuild`. Counts are of what happened that
-- day and still stands (an unlike takes back the like's day; an unfollow
-- the follow's day). Money is in micro-units of `analytics.currency`, read
-- from the ledger: gross per source, refunds and fees as positive amounts,
-- `splits` is what collaborators hold of the artist's income, `net` the
-- artist's own part, `payouts` what left for the artist's bank.
CREATE TABLE artist_analytics (
    artist_id INTEGER NOT NULL REFERENCES artist_profiles (id),
    day TEXT NOT NULL,
    views INTEGER NOT NULL DEFAULT 0,
    likes INTEGER NOT NULL DEFAULT 0,
    comments INTEGER NOT NULL DEFAULT 0,
    new_followers INTEGER NOT NULL DEFAULT 0,
    streams INTEGER NOT NULL DEFAULT 0,
    orders INTEGER NOT NULL DEFAULT 0,
    downloads INTEGER NOT NULL DEFAULT 0,
    tips_micros INTEGER NOT NULL DEFAULT 0,
    royalties_micros INTEGER NOT NULL DEFAULT 0,
    shop_micros INTEGER NOT NULL DEFAULT 0,
    refunds_micros INTEGER NOT NULL DEFAULT 0,
    fees_micros INTEGER NOT NULL DEFAULT 0,
    splits_micros INTEGER NOT NULL DEFAULT 0,
    net_micros INTEGER NOT NULL DEFAULT 0,
    payouts_micros INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (artist_id, day)
) STRICT, WITHOUT ROWID;

-- The same figures summed per month, kept with the days by the same
-- handlers (and rebuilt from them): totals over years read a dozen rows a
-- year, not 365.
CREATE TABLE artist_analytics_monthly (
    artist_id INTEGER NOT NULL REFERENCES artist_profiles (id),
    month TEXT NOT NULL,
    views INTEGER NOT NULL DEFAULT 0,
    likes INTEGER NOT NULL DEFAULT 0,
    comments INTEGER NOT NULL DEFAULT 0,
    new_followers INTEGER NOT NULL DEFAULT 0,
    streams INTEGER NOT NULL DEFAULT 0,
    orders INTEGER NOT NULL DEFAULT 0,
    downloads INTEGER NOT NULL DEFAULT 0,
    tips_micros INTEGER NOT NULL DEFAULT 0,
    royalties_micros INTEGER NOT NULL DEFAULT 0,
    shop_micros INTEGER NOT NULL DEFAULT 0,
    refunds_micros INTEGER NOT NULL DEFAULT 0,
    fees_micros INTEGER NOT NULL DEFAULT 0,
    splits_micros INTEGER NOT NULL DEFAULT 0,
    net_micros INTEGER NOT NULL DEFAULT 0,
    payouts_micros INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (artist_id, month)
) STRICT, WITHOUT ROWID;

-- What each Bop (tips), track (royalties) and product (sales) has earned
-- the artist, gross, in micro-units of `analytics.currency`: the
-- dashboard's top lists read this, not the pillars' tables.
CREATE TABLE artist_item_earnings (
    artist_id INTEGER NOT NULL REFERENCES artist_profiles (id),
    kind TEXT NOT NULL CHECK (kind IN ('bop', 'track', 'product')),
    item TEXT NOT NULL,
    title TEXT NOT NULL,
    gross_micros INTEGER NOT NULL DEFAULT 0,
    sales INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (artist_id, kind, item)
) STRICT, WITHOUT ROWID;
CREATE INDEX artist_item_earnings_top ON artist_item_earnings (artist_id, kind, gross_micros DESC);

-- Loyalty decays by half every `analytics.loyalty.half_life_days`. Instead
-- of rewriting every pair as time passes, a pair keeps its points as of
-- `loyalty_at` and `loyalty_rank` = log2(points) + loyalty_at / half-life:
-- ordering by the rank orders by today's decayed points, for any today.
ALTER TABLE fan_relationships ADD COLUMN loyalty_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE fan_relationships ADD COLUMN loyalty_rank REAL;
ALTER TABLE fan_relationships ADD COLUMN views INTEGER NOT NULL DEFAULT 0;
ALTER TABLE fan_relationships ADD COLUMN likes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE fan_relationships ADD COLUMN comments INTEGER NOT NULL DEFAULT 0;
ALTER TABLE fan_relationships ADD COLUMN tips INTEGER NOT NULL DEFAULT 0;
ALTER TABLE fan_relationships ADD COLUMN purchases INTEGER NOT NULL DEFAULT 0;
ALTER TABLE fan_relationships ADD COLUMN streams INTEGER NOT NULL DEFAULT 0;
CREATE INDEX fan_relationships_loyalty ON fan_relationships (artist_id, loyalty_rank DESC)
    WHERE loyalty_rank IS NOT NULL;

-- The artist's fans' loyalty, summed in the same decay-free form
-- (Σ points × 2^(at / half-life)), so the average today is one row away.
CREATE TABLE artist_loyalty (
    artist_id INTEGER PRIMARY KEY REFERENCES artist_profiles (id),
    fans INTEGER NOT NULL DEFAULT 0,
    scaled_sum REAL NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
) STRICT;

-- Money leaving for an artist's bank: Stripe's payouts of the connected
-- account (from its webhooks), or the sandbox's own schedule.
CREATE TABLE payouts (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    artist_id INTEGER NOT NULL REFERENCES artist_profiles (id),
    provider TEXT NOT NULL CHECK (provider IN ('sandbox', 'stripe')),
    provider_ref TEXT NOT NULL UNIQUE,
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'in_transit', 'paid', 'failed', 'canceled')),
    arrival_at INTEGER,
    failure_message TEXT NOT NULL DEFAULT '',
    -- When the provider said what `status` says: an older word never
    -- overwrites a newer one (webhooks arrive out of order).
    status_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX payouts_artist ON payouts (artist_id, id);

-- A month's statement as it was issued: the figures, frozen.
CREATE TABLE monthly_statements (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    artist_id INTEGER NOT NULL REFERENCES artist_profiles (id),
    month TEXT NOT NULL,
    currency TEXT NOT NULL,
    figures TEXT NOT NULL CHECK (json_valid(figures)),
    created_at INTEGER NOT NULL,
    UNIQUE (artist_id, month)
) STRICT;
