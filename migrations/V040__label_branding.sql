-- The label's branding as set in the console (issue 15 item 1): one row
-- per changed value, overriding `[label]` in boptone.toml key by key.
-- `value` is text; the logo and favicon are JSON naming their stored
-- images ('' when the label removed the image).
CREATE TABLE label_settings (
    key TEXT PRIMARY KEY CHECK (key IN ('name', 'accent', 'logo', 'favicon', 'home_text', 'about', 'terms', 'privacy')),
    value TEXT NOT NULL,
    updated_by INTEGER REFERENCES users (id),
    updated_at INTEGER NOT NULL
) STRICT;

-- The home page's grid of the label's artists, by name.
CREATE INDEX artist_profiles_showcase ON artist_profiles (stage_name COLLATE NOCASE, id)
    WHERE onboarding_completed = 1 AND suspended_at IS NULL AND deleted_at IS NULL;
