-- BopShop (issue 11): products with up to three options and their variants,
-- photos and downloadable files; shipping zones; orders whose items keep
-- what was sold as it was sold; reservations; refunds; download grants;
-- print-on-demand jobs; Shopify imports.

CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    artist_id INTEGER NOT NULL REFERENCES artist_profiles (id),
    kind TEXT NOT NULL CHECK (kind IN ('physical', 'digital', 'pod')),
    title TEXT NOT NULL,
    -- Sanitised HTML (a small safe subset); plain text arrives escaped.
    description_html TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('draft', 'active', 'archived')),
    -- JSON arrays: ["tour", "black"]; ["Color", "Size"] (at most three).
    tags TEXT NOT NULL DEFAULT '[]',
    option_names TEXT NOT NULL DEFAULT '[]',
    -- The Shopify handle it was imported under; re-imports match on it.
    handle TEXT,
    -- A digital download of a release: its masters are the files.
    release_id INTEGER REFERENCES music_releases (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
) STRICT;
CREATE INDEX products_artist ON products (artist_id, status, id) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX products_handle ON products (artist_id, handle) WHERE handle IS NOT NULL AND deleted_at IS NULL;

CREATE TABLE product_variants (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    product_id INTEGER NOT NULL REFERENCES products (id),
    position INTEGER NOT NULL DEFAULT 0,
    -- JSON array of option values, as many as the product has option names.
    options TEXT NOT NULL DEFAULT '[]',
    sku TEXT NOT NULL DEFAULT '',
    price_minor INTEGER NOT NULL CHECK (price_minor >= 0),
    currency TEXT NOT NULL,
    compare_at_minor INTEGER CHECK (compare_at_minor IS NULL OR compare_at_minor >= 0),
    weight_grams INTEGER CHECK (weight_grams IS NULL OR weight_grams >= 0),
    -- Units that can be sold now (reserved units are already taken off);
    -- NULL: not tracked. Never negative: the CHECK is the last line
    -- against overselling.
    inventory INTEGER CHECK (inventory IS NULL OR inventory >= 0),
    barcode TEXT NOT NULL DEFAULT '',
    -- The print-on-demand provider's catalog variant (pod products).
    pod_variant_id INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
) STRICT;
CREATE INDEX product_variants_product ON product_variants (product_id, position, id) WHERE deleted_at IS NULL;
CREATE INDEX product_variants_sku ON product_variants (product_id, sku) WHERE deleted_at IS NULL;

CREATE TABLE product_photos (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products (id),
    -- 0 is the cover.
    position INTEGER NOT NULL,
    media_key TEXT NOT NULL UNIQUE,
    thumb_key TEXT NOT NULL,
    -- Where an import found it ('' when uploaded).
    source_url TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX product_photos_product ON product_photos (product_id, position);

-- What a digital product delivers.
CREATE TABLE product_files (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    product_id INTEGER NOT NULL REFERENCES products (id),
    name TEXT NOT NULL,
    media_key TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    deleted_at INTEGER
) STRICT;
CREATE INDEX product_files_product ON product_files (product_id) WHERE deleted_at IS NULL;
CREATE INDEX product_files_key ON product_files (media_key);

CREATE TABLE shipping_zones (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    artist_id INTEGER NOT NULL REFERENCES artist_profiles (id),
    name TEXT NOT NULL,
    -- JSON array of ISO 3166-1 alpha-2 codes, or ["*"] for everywhere else.
    countries TEXT NOT NULL,
    currency TEXT NOT NULL,
    first_item_minor INTEGER NOT NULL CHECK (first_item_minor >= 0),
    additional_item_minor INTEGER NOT NULL CHECK (additional_item_minor >= 0),
    free_above_minor INTEGER CHECK (free_above_minor IS NULL OR free_above_minor >= 0),
    created_at INTEGER NOT NULL,
    deleted_at INTEGER
) STRICT;
CREATE INDEX shipping_zones_artist ON shipping_zones (artist_id) WHERE deleted_at IS NULL;

CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    artist_id INTEGER NOT NULL REFERENCES artist_profiles (id),
    fan_user_id INTEGER NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN
        ('pending', 'paid', 'shipped', 'cancelled', 'refunded', 'expired')),
    currency TEXT NOT NULL,
    subtotal_minor INTEGER NOT NULL CHECK (subtotal_minor >= 0),
    shipping_minor INTEGER NOT NULL CHECK (shipping_minor >= 0),
    total_minor INTEGER NOT NULL CHECK (total_minor >= 0),
    fee_minor INTEGER NOT NULL CHECK (fee_minor >= 0),
    refunded_minor INTEGER NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0 AND refunded_minor <= total_minor),
    -- JSON {name, line1, line2, city, region, postal_code, country}; NULL
    -- when nothing ships.
    shipping_address TEXT,
    email TEXT NOT NULL,
    provider TEXT NOT NULL,
    payment_ref TEXT NOT NULL UNIQUE,
    -- Until when its units are held for it while unpaid.
    reserved_until INTEGER NOT NULL,
    paid_at INTEGER,
    shipped_at INTEGER,
    carrier TEXT NOT NULL DEFAULT '',
    tracking_number TEXT NOT NULL DEFAULT '',
    cancelled_at INTEGER,
    -- Paid after its hold had ended and its units were sold meanwhile: the
    -- payment goes back to the fan (the refund job clears this).
    refund_due INTEGER NOT NULL DEFAULT 0 CHECK (refund_due IN (0, 1)),
    -- The download terms when it was bought (shop.download_limit and
    -- shop.download_ttl_hours then): the links are made on payment.
    download_limit INTEGER NOT NULL CHECK (download_limit > 0),
    download_ttl_ms INTEGER NOT NULL CHECK (download_ttl_ms > 0),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX orders_refund_due ON orders (id) WHERE refund_due = 1;
CREATE INDEX orders_artist ON orders (artist_id, id) WHERE status <> 'pending' AND status <> 'expired';
CREATE INDEX orders_artist_status ON orders (artist_id, status, id);
CREATE INDEX orders_fan ON orders (fan_user_id, id);
CREATE INDEX orders_fan_pending ON orders (fan_user_id) WHERE status = 'pending';
CREATE INDEX orders_reserved ON orders (reserved_until) WHERE status = 'pending';
CREATE INDEX orders_expired ON orders (updated_at) WHERE status = 'expired';

-- What was sold, as it was sold: a later edit of the product changes none.
CREATE TABLE order_items (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (id),
    product_id INTEGER NOT NULL REFERENCES products (id),
    variant_id INTEGER NOT NULL REFERENCES product_variants (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    -- "Black / M"; '' without options.
    options_label TEXT NOT NULL DEFAULT '',
    sku TEXT NOT NULL DEFAULT '',
    unit_price_minor INTEGER NOT NULL CHECK (unit_price_minor >= 0),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    -- Whether the quantity was taken off tracked inventory (and goes back).
    tracked INTEGER NOT NULL CHECK (tracked IN (0, 1)),
    refunded_quantity INTEGER NOT NULL DEFAULT 0 CHECK (refunded_quantity >= 0 AND refunded_quantity <= quantity)
) STRICT;
CREATE INDEX order_items_order ON order_items (order_id);
CREATE INDEX order_items_variant ON order_items (variant_id);

CREATE TABLE order_refunds (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    order_id INTEGER NOT NULL REFERENCES orders (id),
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    fee_refunded_minor INTEGER NOT NULL CHECK (fee_refunded_minor >= 0),
    -- JSON [{"item": order_items.id, "quantity": n}]; [] for the rest of
    -- the order (shipping included).
    items TEXT NOT NULL,
    provider_ref TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX order_refunds_order ON order_refunds (order_id);

-- A buyer's right to download one file of what they bought.
CREATE TABLE download_grants (
    id INTEGER PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,
    order_item_id INTEGER NOT NULL REFERENCES order_items (id),
    file_id INTEGER NOT NULL REFERENCES product_files (id),
    fan_user_id INTEGER NOT NULL REFERENCES users (id),
    max_downloads INTEGER NOT NULL CHECK (max_downloads > 0),
    downloads INTEGER NOT NULL DEFAULT 0 CHECK (downloads >= 0),
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX download_grants_item ON download_grants (order_item_id);
CREATE INDEX download_grants_fan ON download_grants (fan_user_id, id);

CREATE TABLE download_log (
    id INTEGER PRIMARY KEY,
    grant_id INTEGER NOT NULL REFERENCES download_grants (id),
    at INTEGER NOT NULL,
    ip TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX download_log_grant ON download_log (grant_id, at);

CREATE TABLE print_on_demand_jobs (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    order_id INTEGER NOT NULL UNIQUE REFERENCES orders (id),
    artist_id INTEGER NOT NULL REFERENCES artist_profiles (id),
    provider TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN
        ('pending', 'submitted', 'in_production', 'shipped', 'failed', 'cancelled')),
    provider_ref TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_error TEXT NOT NULL DEFAULT '',
    carrier TEXT NOT NULL DEFAULT '',
    tracking_number TEXT NOT NULL DEFAULT '',
    tracking_url TEXT NOT NULL DEFAULT '',
    submitted_at INTEGER,
    -- The provider's time of the last update applied (unix ms): older
    -- webhooks change nothing.
    provider_updated_at INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX print_on_demand_jobs_due ON print_on_demand_jobs (state, next_attempt_at);
CREATE INDEX print_on_demand_jobs_artist ON print_on_demand_jobs (artist_id, id);

-- Each Shopify CSV import and what it did.
CREATE TABLE shopify_integration (
    id INTEGER PRIMARY KEY,
    artist_id INTEGER NOT NULL REFERENCES artist_profiles (id),
    file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    rows INTEGER NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    skipped INTEGER NOT NULL,
    -- JSON: the result page (created and updated products, skipped rows,
    -- images not imported).
    report TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX shopify_integration_artist ON shopify_integration (artist_id, id);
