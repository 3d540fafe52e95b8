-- Issue 15 item 4: the label's side of fans' reports.

-- One row per reported thing (kind + uid): what the queue lists, kept in
-- the same transaction as each report and decision, so the queue reads a
-- page of rows instead of grouping every report per request.
-- `open_reports` counts the reports not yet handled; `appeal_pending` is
-- set while the author's appeal waits for the label.
CREATE TABLE moderation_items (
    id INTEGER PRIMARY KEY,
    target_kind TEXT NOT NULL
        CHECK (target_kind IN ('bop', 'comment', 'track', 'product', 'profile')),
    target_uid TEXT NOT NULL,
    author_id INTEGER NOT NULL REFERENCES users (id),
    excerpt TEXT NOT NULL,
    link TEXT NOT NULL,
    open_reports INTEGER NOT NULL DEFAULT 0 CHECK (open_reports >= 0),
    total_reports INTEGER NOT NULL DEFAULT 0,
    last_reported_at INTEGER NOT NULL,
    hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    appeal_pending INTEGER NOT NULL DEFAULT 0 CHECK (appeal_pending IN (0, 1)),
    updated_at INTEGER NOT NULL,
    UNIQUE (target_kind, target_uid)
) STRICT;
CREATE INDEX moderation_items_open_newest ON moderation_items (last_reported_at DESC, id DESC) WHERE open_reports > 0;
CREATE INDEX moderation_items_open_most ON moderation_items (open_reports DESC, id DESC) WHERE open_reports > 0;
CREATE INDEX moderation_items_resolved ON moderation_items (updated_at DESC, id DESC) WHERE open_reports = 0;
CREATE INDEX moderation_items_appealed ON moderation_items (updated_at DESC, id DESC) WHERE appeal_pending = 1;

-- The items of reports made before this migration.
INSERT INTO moderation_items (target_kind, target_uid, author_id, excerpt, link, open_reports, total_reports,
                              last_reported_at, updated_at)
SELECT r.target_kind, r.target_uid, r.target_author, r.excerpt, r.link,
       (SELECT count(*) FROM moderation_reports o
         WHERE o.target_kind = r.target_kind AND o.target_uid = r.target_uid AND o.status = 'open'),
       (SELECT count(*) FROM moderation_reports o WHERE o.target_kind = r.target_kind AND o.target_uid = r.target_uid),
       r.created_at, r.created_at
FROM moderation_reports r
WHERE r.id = (SELECT max(n.id) FROM moderation_reports n
               WHERE n.target_kind = r.target_kind AND n.target_uid = r.target_uid);

-- What the label decided about an item, with who, when and why; the
-- author may appeal a hide or a suspension once, and the label upholds or
-- reverses it. `uid` is the decision's address (/moderation/decisions/{uid});
-- `key_hash` is the SHA-256 of the key the author's email carries, so an
-- author whose account is disabled (and cannot sign in) can still read the
-- decision and appeal it.
CREATE TABLE moderation_decisions (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    item_id INTEGER NOT NULL REFERENCES moderation_items (id),
    author_id INTEGER NOT NULL REFERENCES users (id),
    action TEXT NOT NULL CHECK (action IN ('dismiss', 'hide', 'unhide', 'suspend_author')),
    reason TEXT NOT NULL,
    decided_by INTEGER NOT NULL REFERENCES users (id),
    decided_at INTEGER NOT NULL,
    key_hash TEXT NOT NULL,
    appeal_text TEXT,
    appealed_at INTEGER,
    outcome TEXT CHECK (outcome IN ('upheld', 'reversed')),
    outcome_reason TEXT,
    outcome_by INTEGER REFERENCES users (id),
    outcome_at INTEGER
) STRICT;
CREATE INDEX moderation_decisions_item ON moderation_decisions (item_id, id);

-- A Bop, a track or a product the label hid: gone from every public view
-- until the label shows it again (the artist cannot undo it).
ALTER TABLE bops_videos ADD COLUMN hidden_at INTEGER;
ALTER TABLE music_tracks ADD COLUMN hidden_at INTEGER;
ALTER TABLE products ADD COLUMN hidden_at INTEGER;

-- Who hid a comment: the Bop's artist may show again only what they hid
-- themselves, never what the label hid. NULL (older rows) is the artist.
ALTER TABLE bops_comments ADD COLUMN hidden_by TEXT CHECK (hidden_by IN ('artist', 'label'));
