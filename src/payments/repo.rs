//! SQL of the payments room.

use rusqlite::{Connection, params};

/// Deletes up to `limit` processed-webhook ids received before `before`.
/// Stripe retries an event for up to three days, so ids older than the
/// retention period (at least that long) can no longer arrive again.
pub fn prune_processed_webhooks(conn: &Connection, before: i64, limit: usize) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM processed_webhooks WHERE event_id IN
           (SELECT event_id FROM processed_webhooks WHERE received_at < ?1 LIMIT ?2)",
        params![before, limit as i64],
    )
}
