-- Money and state (issue 8): the plan a checkout charges, and the order in
-- which the payment provider's status changes are applied.

-- Every subscription checkout remembers the plan and price it charges, so
-- the plan activated is the plan paid for — whichever of an artist's
-- checkouts they complete, however often they changed their mind before.
CREATE TABLE subscription_checkouts (
    checkout_ref TEXT PRIMARY KEY,
    artist_id INTEGER NOT NULL REFERENCES artist_profiles (id),
    tier TEXT NOT NULL CHECK (tier IN ('starter', 'pro', 'label')),
    amount_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    completed_at INTEGER,
    -- Replaced by a newer checkout: it can no longer be paid.
    expired_at INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX subscription_checkouts_artist ON subscription_checkouts (artist_id);

INSERT INTO subscription_checkouts (checkout_ref, artist_id, tier, amount_minor, currency, created_at)
    SELECT checkout_ref, artist_id, tier, amount_minor, currency, created_at
    FROM subscriptions WHERE checkout_ref IS NOT NULL;

-- When (unix ms, the provider's clock) the status now stored was true: a
-- status change that is older is stale and not applied. NULL: none yet.
ALTER TABLE subscriptions ADD COLUMN status_at INTEGER;
ALTER TABLE stripe_connect_accounts ADD COLUMN status_at INTEGER;
