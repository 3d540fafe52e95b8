//! Reporting: the owning pillar vouches that the reported thing exists and
//! that the fan can see it; the report keeps its context as it was then.

use super::domain::NewReport;
use super::repo::{self, InsertReport, ReportRow};
use crate::app::AppState;
use crate::core::ids::UserId;
use crate::error::{AppError, AppResult};
use crate::pillar::ReportTarget;

/// Reports one account may make in an hour: plenty for a person, few
/// enough that a script cannot bury the label's queue.
pub const REPORTS_PER_HOUR: i64 = 20;
const HOUR_MS: i64 = 3_600_000;

pub async fn create_report(state: &AppState, reporter: UserId, new: NewReport) -> AppResult<ReportRow> {
    let target = find_target(state, reporter, new.kind, &new.target).await?.ok_or_else(|| {
        AppError::invalid("id", "There is nothing to report there (it may have been removed already).")
    })?;
    if target.author == reporter {
        return Err(AppError::invalid("id", "That is your own; edit or delete it instead."));
    }
    let now = state.clock.now_ms();
    state
        .db
        .write(move |tx| {
            if repo::count_reports_since(tx, reporter, now - HOUR_MS)? >= REPORTS_PER_HOUR {
                return Err(AppError::RateLimited { retry_after_secs: 3600 });
            }
            let insert = InsertReport {
                reporter,
                kind: new.kind,
                target: &new.target,
                author: target.author,
                excerpt: &target.excerpt,
                link: &target.link,
                reason: new.reason,
                details: &new.details,
            };
            Ok(repo::insert_report(tx, &insert, now)?)
        })
        .await
}

/// Asks the one pillar that owns `kind`.
async fn find_target(state: &AppState, viewer: UserId, kind: &str, uid: &str) -> AppResult<Option<ReportTarget>> {
    for pillar in crate::pillars::ALL.iter().filter(|p| p.reportable_kinds().contains(&kind)) {
        if let Some(target) = pillar.report_target(state, viewer, kind, uid).await? {
            return Ok(Some(target));
        }
    }
    Ok(None)
}

pub async fn my_reports(state: &AppState, reporter: UserId) -> AppResult<Vec<ReportRow>> {
    Ok(state.db.read_now(move |c| repo::list_reports_by(c, reporter, 100)).await?)
}

pub async fn my_report(state: &AppState, reporter: UserId, uid: String) -> AppResult<ReportRow> {
    state.db.read_now(move |c| repo::find_report_by(c, reporter, &uid)).await?.ok_or(AppError::NotFound)
}
