-- The names of the handlers that ran for an event settled in one go, kept
-- on the event itself when it is marked done (comma-separated). Before,
-- each handler wrote a `platform_event_handlers` row (four per like) only
-- so that an event delivered again would not run them twice; those rows are
-- now written only for an event that will be retried (some handlers ran,
-- one failed). Both are read when an event is delivered.
ALTER TABLE platform_events ADD COLUMN handled TEXT;
