-- Upload sessions outlive the process: a restart neither loses an upload in
-- progress nor orphans its multipart upload in the bucket, and the sweep can
-- find and abort uploads that an earlier process left behind.
CREATE TABLE bops_uploads (
    uid TEXT PRIMARY KEY,
    artist_id INTEGER NOT NULL REFERENCES artist_profiles (id),
    -- Where the finished file goes; a relayed upload settles it (with the
    -- type's extension) once its first bytes show the type.
    media_key TEXT NOT NULL,
    size INTEGER NOT NULL CHECK (size > 0),
    -- Bytes safely stored: advanced only after they are on disk or in the bucket.
    received INTEGER NOT NULL DEFAULT 0 CHECK (received BETWEEN 0 AND size),
    mode TEXT NOT NULL CHECK (mode IN ('relay', 'direct')),
    content_type TEXT,
    -- Set when the upload goes to the store in parts of exactly this size
    -- (all but the last); NULL when a relayed upload is staged in a file.
    part_size INTEGER CHECK (part_size > 0),
    -- The store's multipart upload id, once there is one.
    multipart_id TEXT,
    created_at INTEGER NOT NULL,
    touched_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX bops_uploads_artist ON bops_uploads (artist_id, touched_at);
CREATE INDEX bops_uploads_touched ON bops_uploads (touched_at);

-- The parts of a relayed multipart upload that the store has accepted.
CREATE TABLE bops_upload_parts (
    upload_uid TEXT NOT NULL REFERENCES bops_uploads (uid) ON DELETE CASCADE,
    part_index INTEGER NOT NULL CHECK (part_index >= 0),
    etag TEXT NOT NULL,
    PRIMARY KEY (upload_uid, part_index)
) STRICT, WITHOUT ROWID;
