-- The ledger (ARCHITECTURE §5) and music's royalty imports (issue 10).

-- Every movement of an artist's money, in micro-units (10⁻⁶ of the
-- currency unit), written in the same transaction as the fact it records.
-- Income that is split has one row per collaborator: `share_key` names
-- whose part it is ('artist' for an unsplit whole), and (reference,
-- share_key) is unique, so a fact is recorded exactly once.
CREATE TABLE ledger_entries (
    id INTEGER PRIMARY KEY,
    artist_id INTEGER NOT NULL REFERENCES artist_profiles (id),
    source TEXT NOT NULL CHECK (source IN ('tip', 'royalty', 'order', 'refund', 'fee', 'payout', 'subscription')),
    -- What the row records, e.g. 'royalty:12' (a royalty_payments id).
    reference TEXT NOT NULL,
    share_key TEXT NOT NULL,
    -- The collaborator this part belongs to (a split's), if any.
    collaborator_name TEXT NOT NULL DEFAULT '',
    collaborator_email TEXT NOT NULL DEFAULT '',
    collaborator_user_id INTEGER REFERENCES users (id),
    -- The share in basis points this row is of its whole (10000 unsplit).
    basis_points INTEGER NOT NULL CHECK (basis_points BETWEEN 0 AND 10000),
    track_id INTEGER,
    description TEXT NOT NULL,
    gross_micros INTEGER NOT NULL,
    fee_micros INTEGER NOT NULL DEFAULT 0,
    net_micros INTEGER NOT NULL,
    currency TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (reference, share_key)
) STRICT;
CREATE INDEX ledger_entries_artist ON ledger_entries (artist_id, occurred_at);
CREATE INDEX ledger_entries_collaborator ON ledger_entries (collaborator_user_id, occurred_at)
    WHERE collaborator_user_id IS NOT NULL;

-- One imported royalty statement. The file's SHA-256 is unique: importing
-- the same file again changes nothing.
CREATE TABLE royalty_imports (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL UNIQUE,
    file_name TEXT NOT NULL,
    format TEXT NOT NULL,
    row_count INTEGER NOT NULL,
    matched_rows INTEGER NOT NULL,
    unmatched_rows INTEGER NOT NULL,
    imported_by INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL
) STRICT;

-- What a track earned in a period from one import, summed over its rows.
CREATE TABLE royalty_payments (
    id INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES royalty_imports (id),
    track_id INTEGER NOT NULL REFERENCES music_tracks (id),
    period TEXT NOT NULL,
    currency TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    amount_micros INTEGER NOT NULL,
    row_count INTEGER NOT NULL,
    UNIQUE (import_id, track_id, period, currency)
) STRICT;
CREATE INDEX royalty_payments_track ON royalty_payments (track_id, period);

-- Rows that matched no track: held for review with their line numbers,
-- never dropped.
CREATE TABLE royalty_unmatched (
    id INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES royalty_imports (id),
    line INTEGER NOT NULL,
    isrc TEXT,
    upc TEXT,
    title TEXT NOT NULL,
    store TEXT NOT NULL,
    period TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    amount_micros INTEGER NOT NULL,
    currency TEXT NOT NULL
) STRICT;
CREATE INDEX royalty_unmatched_import ON royalty_unmatched (import_id, line);

-- Column mappings for statements other than DistroKid's, saved once by name.
CREATE TABLE royalty_mappings (
    name TEXT PRIMARY KEY,
    mapping TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
