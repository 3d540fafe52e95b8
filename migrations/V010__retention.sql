-- Retention: the janitor deletes old rows in small batches by age. Without
-- these indexes each batch would scan the whole table while holding the
-- single writer.
CREATE INDEX platform_events_done ON platform_events (completed_at) WHERE status = 'done';
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE INDEX api_tokens_expiry ON api_tokens (expires_at);
CREATE INDEX password_resets_expiry ON password_resets (expires_at);
CREATE INDEX processed_webhooks_received ON processed_webhooks (received_at);
CREATE INDEX mail_outbox_sent ON mail_outbox (sent_at) WHERE status = 'sent';
