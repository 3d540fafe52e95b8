//! SQL of the payments room.

use crate::db::CachedSql;
use rusqlite::{Connection, OptionalExtension, params};

use super::settle::NewPayment;
use crate::core::ids::UserId;

/// Records a provider event id; false when it was seen before.
pub fn record_webhook(conn: &Connection, event_id: &str, event_type: &str, now: i64) -> rusqlite::Result<bool> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO processed_webhooks (event_id, event_type, received_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (event_id) DO NOTHING",
        )?
        .execute(params![event_id, event_type, now])?;
    Ok(inserted == 1)
}

/// Deletes up to `limit` processed-webhook ids received before `before`.
/// Stripe retries an event for up to three days, so ids older than the
/// retention period (at least that long) can no longer arrive again.
pub fn prune_processed_webhooks(conn: &Connection, before: i64, limit: usize) -> rusqlite::Result<usize> {
    conn.execute_cached(
        "DELETE FROM processed_webhooks WHERE event_id IN
           (SELECT event_id FROM processed_webhooks WHERE received_at < ?1 LIMIT ?2)",
        params![before, limit as i64],
    )
}

/// A row of `payments`.
#[derive(Debug, Clone)]
pub struct PaymentRow {
    pub provider_ref: String,
    pub purpose: String,
    pub reference: String,
    pub owner: UserId,
    pub amount_minor: i64,
    pub currency: String,
    pub description: String,
    pub return_url: String,
    pub cancel_url: String,
    pub status: String,
}

pub fn insert_payment(conn: &Connection, p: &NewPayment<'_>, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO payments (provider, provider_ref, purpose, reference, owner_user_id, amount_minor, currency,
                               description, return_url, cancel_url, status, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'pending', ?11, ?11)",
    )?
    .execute(params![
        p.provider,
        p.provider_ref,
        p.purpose,
        p.reference,
        p.owner,
        p.amount_minor,
        p.currency,
        p.description,
        p.return_url,
        p.cancel_url,
        now
    ])?;
    Ok(())
}

pub fn find_payment(conn: &Connection, provider_ref: &str) -> rusqlite::Result<Option<PaymentRow>> {
    conn.prepare_cached(
        "SELECT provider_ref, purpose, reference, owner_user_id, amount_minor, currency, description, return_url,
                cancel_url, status
         FROM payments WHERE provider_ref = ?1",
    )?
    .query_row([provider_ref], |r| {
        Ok(PaymentRow {
            provider_ref: r.get(0)?,
            purpose: r.get(1)?,
            reference: r.get(2)?,
            owner: r.get(3)?,
            amount_minor: r.get(4)?,
            currency: r.get(5)?,
            description: r.get(6)?,
            return_url: r.get(7)?,
            cancel_url: r.get(8)?,
            status: r.get(9)?,
        })
    })
    .optional()
}

/// Moves a pending payment on; a settled or canceled one stays as it is.
pub fn set_payment_status(conn: &Connection, provider_ref: &str, status: &str, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE payments SET status = ?2, updated_at = ?3 WHERE provider_ref = ?1 AND status = 'pending'",
    )?
    .execute(params![provider_ref, status, now])?;
    Ok(())
}

pub fn insert_account(conn: &Connection, provider_ref: &str, owner: UserId, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO payment_accounts (provider_ref, owner_user_id, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (provider_ref) DO NOTHING",
    )?
    .execute(params![provider_ref, owner, now])?;
    Ok(())
}

pub fn find_account_owner(conn: &Connection, provider_ref: &str) -> rusqlite::Result<Option<UserId>> {
    conn.prepare_cached("SELECT owner_user_id FROM payment_accounts WHERE provider_ref = ?1")?
        .query_row([provider_ref], |r| r.get(0))
        .optional()
}
