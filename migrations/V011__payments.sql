-- Settlement by purpose (ARCHITECTURE §5): every payment a pillar starts is
-- recorded here by the payments room, with what it is for (`purpose`, and
-- the pillar's own `reference`), who pays and how much. The webhook and the
-- sandbox settle a payment by this record, calling the settler the pillar
-- registered for its purpose; payments knows no pillar.
CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    provider TEXT NOT NULL CHECK (provider IN ('sandbox', 'stripe')),
    provider_ref TEXT NOT NULL UNIQUE,
    purpose TEXT NOT NULL,
    reference TEXT NOT NULL,
    owner_user_id INTEGER NOT NULL REFERENCES users (id),
    amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
    currency TEXT NOT NULL,
    description TEXT NOT NULL,
    -- Where the sandbox's payment page sends the payer after paying or
    -- cancelling (Stripe Checkout has its own success and cancel URLs).
    return_url TEXT NOT NULL DEFAULT '',
    cancel_url TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'canceled')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX payments_purpose ON payments (purpose, reference);

-- Connected (payout) accounts and who they belong to, so the sandbox's
-- onboarding page and the provider's updates need no pillar to find them.
CREATE TABLE payment_accounts (
    provider_ref TEXT PRIMARY KEY,
    owner_user_id INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO payments (provider, provider_ref, purpose, reference, owner_user_id, amount_minor, currency, description,
                      return_url, cancel_url, status, created_at, updated_at)
    SELECT s.provider, c.checkout_ref, 'subscription', c.checkout_ref, a.user_id, c.amount_minor, c.currency,
           c.tier || ' plan', '/artist/setup', '/artist/subscription?checkout=cancelled',
           CASE WHEN c.completed_at IS NOT NULL THEN 'succeeded' WHEN c.expired_at IS NOT NULL THEN 'canceled' ELSE 'pending' END,
           c.created_at, c.created_at
    FROM subscription_checkouts c
    JOIN artist_profiles a ON a.id = c.artist_id
    JOIN subscriptions s ON s.artist_id = c.artist_id;

INSERT INTO payments (provider, provider_ref, purpose, reference, owner_user_id, amount_minor, currency, description,
                      status, created_at, updated_at)
    SELECT provider, payment_ref, 'tip', uid, fan_user_id, amount_minor, currency, 'Tip',
           status, created_at, COALESCE(succeeded_at, created_at)
    FROM bops_tips;

INSERT INTO payment_accounts (provider_ref, owner_user_id, created_at)
    SELECT c.account_ref, a.user_id, c.created_at
    FROM stripe_connect_accounts c JOIN artist_profiles a ON a.id = c.artist_id;
