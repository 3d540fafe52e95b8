-- Identity and the revenue gate (ARCHITECTURE §3): accounts, sessions,
-- artist profiles, subscriptions, Stripe Connect accounts.

-- A random key per installation, made on first start: signs CSRF tokens.
CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL,
    created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('artist', 'fan', 'admin')),
    created_at INTEGER NOT NULL,
    deleted_at INTEGER
) STRICT;
CREATE UNIQUE INDEX users_email ON users (email) WHERE deleted_at IS NULL;

-- Only a hash of the cookie value is stored: a leaked database opens no session.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
) STRICT, WITHOUT ROWID;

CREATE TABLE artist_profiles (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL UNIQUE REFERENCES users (id),
    stage_name TEXT,
    handle TEXT COLLATE NOCASE,
    bio TEXT NOT NULL DEFAULT '',
    location TEXT NOT NULL DEFAULT '',
    genres TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(genres)),
    social_links TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(social_links)),
    photo_key TEXT,
    onboarding_completed INTEGER NOT NULL DEFAULT 0 CHECK (onboarding_completed IN (0, 1)),
    suspended_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
) STRICT;
CREATE UNIQUE INDEX artist_profiles_handle ON artist_profiles (handle) WHERE handle IS NOT NULL;

CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY,
    artist_id INTEGER NOT NULL UNIQUE REFERENCES artist_profiles (id),
    tier TEXT NOT NULL CHECK (tier IN ('starter', 'pro', 'label')),
    status TEXT NOT NULL CHECK (status IN ('incomplete', 'active', 'trialing', 'past_due', 'unpaid', 'canceled')),
    provider TEXT NOT NULL CHECK (provider IN ('sandbox', 'stripe')),
    checkout_ref TEXT UNIQUE,
    customer_ref TEXT,
    subscription_ref TEXT UNIQUE,
    amount_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE stripe_connect_accounts (
    artist_id INTEGER PRIMARY KEY REFERENCES artist_profiles (id),
    account_ref TEXT NOT NULL UNIQUE,
    provider TEXT NOT NULL CHECK (provider IN ('sandbox', 'stripe')),
    charges_enabled INTEGER NOT NULL DEFAULT 0 CHECK (charges_enabled IN (0, 1)),
    payouts_enabled INTEGER NOT NULL DEFAULT 0 CHECK (payouts_enabled IN (0, 1)),
    details_submitted INTEGER NOT NULL DEFAULT 0 CHECK (details_submitted IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- Each Stripe event id is processed once.
CREATE TABLE processed_webhooks (
    event_id TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    received_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT,
    created_at INTEGER NOT NULL,
    read_at INTEGER
) STRICT;
CREATE INDEX notifications_user ON notifications (user_id, id);
