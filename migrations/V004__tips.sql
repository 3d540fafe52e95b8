-- Tips on Bops. A row is written when the fan starts paying ('pending'); it
-- only counts once the payment provider says it succeeded (Stripe's
-- payment_intent.succeeded webhook, or the sandbox's confirm).
CREATE TABLE bops_tips (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    bop_id INTEGER NOT NULL REFERENCES bops_videos (id),
    artist_id INTEGER NOT NULL REFERENCES artist_profiles (id),
    fan_user_id INTEGER NOT NULL REFERENCES users (id),
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL,
    fee_minor INTEGER NOT NULL,
    provider TEXT NOT NULL CHECK (provider IN ('sandbox', 'stripe')),
    payment_ref TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded')),
    created_at INTEGER NOT NULL,
    succeeded_at INTEGER
) STRICT;
CREATE INDEX bops_tips_artist ON bops_tips (artist_id, id) WHERE status = 'succeeded';
