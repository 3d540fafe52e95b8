//! The public entry points: a new release and its takedown.
//!
//! Both validate everything first ([`validate_codes`], header, dates, files,
//! deals), so a message is either complete and schema-valid or not written.

use super::codes::{self, validate_codes};
use super::error::DdexError;
use super::model::{Deal, MessageHeader, Release, default_deals};
use super::refs::check_references;
use super::validate::{validate_deals, validate_inputs};
use super::write::write_message;

/// Builds an ERN 4.3 `NewReleaseMessage` for one release and its deals.
///
/// Refuses (before writing anything) a release whose codes are wrong (see
/// [`validate_codes`]), whose header or dates are malformed, that has no
/// front cover image (the Audio profile requires one), or that comes with no
/// deals: in ERN 4 a message without deals *removes* a release from sale, so
/// an empty deal list is almost certainly a mistake here — use
/// [`takedown_message`] to withdraw a release.
pub fn new_release_message(header: &MessageHeader, release: &Release, deals: &[Deal]) -> Result<String, DdexError> {
    validate_codes(release)?;
    validate_inputs(header, release)?;
    if deals.is_empty() {
        return Err(DdexError::missing("deals (a NewReleaseMessage without deals takes the release down)"));
    }
    validate_deals(deals)?;
    let xml = write_message(header, release, deals)?;
    // The references are generated together above; re-checking costs one
    // parse and turns any future slip into an error instead of a rejected delivery.
    check_references(&xml)?;
    Ok(xml)
}

/// Builds the ERN 4.3 message that takes a release down from `effective_date`
/// (`YYYY-MM-DD`, the first day it must no longer be available), assuming it
/// was delivered with [`default_deals`]`(release.release_date)`. Releases
/// delivered with other deals should use [`takedown_message_with_deals`], so
/// the takedown never *widens* the rights granted before it takes effect.
pub fn takedown_message(header: &MessageHeader, release: &Release, effective_date: &str) -> Result<String, DdexError> {
    takedown_message_with_deals(header, release, &default_deals(&release.release_date), effective_date)
}

/// Takedown for a release that was delivered with `deals`.
///
/// ERN 4.x has no takedown flag: the `TakeDown` element of ERN 3's
/// `DealTerms` and the `UpdateIndicator` are gone, and the 4.3 schema has
/// neither. Instead (ERN 4.3 part 1, clause 6.19 "Life cycle changes") every
/// `NewReleaseMessage` carries the *complete* current deal set for its
/// releases and replaces whatever the recipient held before; a release with
/// no deal is not available ("no deal = no deal"). So a takedown is an update
/// `NewReleaseMessage` with the same release metadata and references, whose
/// deals all end:
///
/// * each deal that started before `effective_date` is repeated with
///   `EndDate` = the day before `effective_date` (DDEX end dates are
///   inclusive), so the recipient sees the deals it knows end;
/// * deals that would only have started on or after `effective_date` are
///   dropped;
/// * if no deal remains (takedown before street date), the `DealList` is
///   omitted altogether, which clause 6.19.7 names as sufficient.
///
/// `MessageControlType` comes from the header as usual.
pub fn takedown_message_with_deals(
    header: &MessageHeader,
    release: &Release,
    deals: &[Deal],
    effective_date: &str,
) -> Result<String, DdexError> {
    validate_codes(release)?;
    validate_inputs(header, release)?;
    validate_deals(deals)?;
    if !codes::is_date(effective_date) {
        return Err(DdexError::invalid("takedown effective date", effective_date, "a date YYYY-MM-DD"));
    }
    let last_day = codes::previous_day(effective_date)
        .ok_or_else(|| DdexError::invalid("takedown effective date", effective_date, "a date YYYY-MM-DD"))?;
    let ended: Vec<Deal> = deals
        .iter()
        .filter(|d| d.start_date.as_str() < effective_date)
        .map(|d| {
            let end = match &d.end_date {
                Some(e) if e.as_str() < last_day.as_str() => e.clone(),
                _ => last_day.clone(),
            };
            Deal { end_date: Some(end), ..d.clone() }
        })
        .collect();
    let xml = write_message(header, release, &ended)?;
    check_references(&xml)?;
    Ok(xml)
}
