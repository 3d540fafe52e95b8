//! The revenue gate (ARCHITECTURE §3). Every revenue action takes
//! [`RevenueReady`]: without it, a handler cannot name the artist it earns for.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::Serialize;

use super::repo::ArtistRow;
use super::session::ArtistScope;
use crate::app::AppState;
use crate::error::AppError;

/// The onboarding steps, in the order an artist completes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    /// The label accepts the artist (label.artist_signup = "approval").
    Approval,
    Subscription,
    Profile,
    Payout,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Approval => "approval",
            Step::Subscription => "subscription",
            Step::Profile => "profile",
            Step::Payout => "payout",
        }
    }

    /// Where the artist finishes this step.
    pub fn url(self) -> &'static str {
        match self {
            Step::Approval => "/artist/application",
            Step::Subscription => "/artist/subscription",
            Step::Profile => "/artist/setup",
            Step::Payout => "/artist/payout",
        }
    }
}

impl Step {
    /// The step finished at `url`, if `url` is one of the steps' pages.
    pub fn at_url(url: &str) -> Option<Step> {
        [Step::Approval, Step::Subscription, Step::Profile, Step::Payout].into_iter().find(|s| s.url() == url)
    }

    /// What the artist does at this step, as a call to action.
    pub fn action(self) -> &'static str {
        match self {
            Step::Approval => "Wait for the label's answer",
            Step::Subscription => "Choose your plan",
            Step::Profile => "Set up your profile",
            Step::Payout => "Connect payouts",
        }
    }
}

/// Whether this artist has finished `step`.
pub fn is_step_done(artist: &ArtistRow, step: Step) -> bool {
    match step {
        Step::Approval => artist.application == "accepted",
        Step::Subscription => artist.subscription_status.is_some_and(|s| s.is_open()),
        Step::Profile => artist.onboarding_completed,
        Step::Payout => artist.payouts_enabled,
    }
}

/// The first step this artist still has to finish, if any.
pub fn first_incomplete_step(artist: &ArtistRow) -> Option<Step> {
    if artist.application != "accepted" {
        Some(Step::Approval)
    } else if !artist.subscription_status.is_some_and(|s| s.is_open()) {
        Some(Step::Subscription)
    } else if !artist.onboarding_completed {
        Some(Step::Profile)
    } else if !artist.payouts_enabled {
        Some(Step::Payout)
    } else {
        None
    }
}

/// Why an artist may not earn right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotReady {
    Suspended,
    Incomplete(Step),
}

/// The one revenue gate: every way an artist earns — their own actions
/// through [`RevenueReady`], and money sent to them (tips) — asks this.
pub fn revenue_gate(artist: &ArtistRow) -> Result<(), NotReady> {
    if artist.suspended {
        return Err(NotReady::Suspended);
    }
    match first_incomplete_step(artist) {
        Some(step) => Err(NotReady::Incomplete(step)),
        None => Ok(()),
    }
}

/// An artist who may earn: subscribed, profile complete, payouts enabled,
/// not suspended.
#[derive(Debug, Clone)]
pub struct RevenueReady(pub ArtistScope);

impl FromRequestParts<AppState> for RevenueReady {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let scope = ArtistScope::from_request_parts(parts, state).await?;
        match revenue_gate(&scope.artist) {
            Ok(()) => Ok(RevenueReady(scope)),
            Err(NotReady::Suspended) => {
                Err(AppError::Forbidden("This artist account is suspended. Contact your label.".into()))
            }
            Err(NotReady::Incomplete(step)) => Err(AppError::Incomplete { step: step.as_str(), url: step.url() }),
        }
    }
}
