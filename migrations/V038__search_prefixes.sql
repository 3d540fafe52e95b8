-- Search answers as one types: a prefix FTS5 has no index for is answered
-- by merging the whole doclist of every word it starts (measured: 6–10 ms
-- for "sund*" over a million Bops), while an indexed prefix is read lazily,
-- newest first, and stops at the page's end (0.02–0.08 ms). Prefixes of 2 to
-- 8 characters are indexed now; longer ones are searched by their first 8
-- (src/search/query.rs). The tables are rebuilt from their content tables.
DROP TABLE search_artists_fts;
CREATE VIRTUAL TABLE search_artists_fts USING fts5 (
    handle, stage_name,
    content = 'search_artists', content_rowid = 'id',
    tokenize = "unicode61 remove_diacritics 2 tokenchars '_'", prefix = '2 3 4 5 6 7 8'
);
INSERT INTO search_artists_fts (search_artists_fts) VALUES ('rebuild');

DROP TABLE search_bops_fts;
CREATE VIRTUAL TABLE search_bops_fts USING fts5 (
    caption, tags,
    content = 'search_bops', content_rowid = 'id',
    tokenize = "unicode61 remove_diacritics 2 tokenchars '_'", prefix = '2 3 4 5 6 7 8'
);
INSERT INTO search_bops_fts (search_bops_fts) VALUES ('rebuild');

DROP TABLE search_tracks_fts;
CREATE VIRTUAL TABLE search_tracks_fts USING fts5 (
    title,
    content = 'search_tracks', content_rowid = 'id',
    tokenize = "unicode61 remove_diacritics 2 tokenchars '_'", prefix = '2 3 4 5 6 7 8'
);
INSERT INTO search_tracks_fts (search_tracks_fts) VALUES ('rebuild');

DROP TABLE search_products_fts;
CREATE VIRTUAL TABLE search_products_fts USING fts5 (
    title, tags,
    content = 'search_products', content_rowid = 'id',
    tokenize = "unicode61 remove_diacritics 2 tokenchars '_'", prefix = '2 3 4 5 6 7 8'
);
INSERT INTO search_products_fts (search_products_fts) VALUES ('rebuild');
