-- Issue 14 item 4: the artist pins one comment on top of a Bop's thread.
ALTER TABLE bops_comments ADD COLUMN pinned_at INTEGER;

-- Issue 14 item 4 and issue 15 item 4: fans report Bops, comments, tracks,
-- products and profiles. The owning pillar vouches for the target when the
-- report is made; what the label does with it is recorded here too.
-- `target_author` is the user who made the content (told and able to appeal
-- in the label console); `excerpt` and `link` are the context the queue
-- shows, as they were when reported.
CREATE TABLE moderation_reports (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    reporter_id INTEGER NOT NULL REFERENCES users (id),
    target_kind TEXT NOT NULL
        CHECK (target_kind IN ('bop', 'comment', 'track', 'product', 'profile')),
    target_uid TEXT NOT NULL,
    target_author INTEGER NOT NULL REFERENCES users (id),
    excerpt TEXT NOT NULL,
    link TEXT NOT NULL,
    reason TEXT NOT NULL
        CHECK (reason IN ('spam', 'harassment', 'hate', 'sexual', 'violence', 'copyright', 'other')),
    details TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'actioned')),
    created_at INTEGER NOT NULL,
    resolved_at INTEGER,
    resolved_by INTEGER REFERENCES users (id),
    resolution TEXT
) STRICT;
-- One open report per fan per target: a second tap is the same report.
CREATE UNIQUE INDEX moderation_reports_once
    ON moderation_reports (reporter_id, target_kind, target_uid) WHERE status = 'open';
CREATE INDEX moderation_reports_queue ON moderation_reports (status, created_at);
CREATE INDEX moderation_reports_target ON moderation_reports (target_kind, target_uid);
