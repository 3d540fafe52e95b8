//! The label console (issue 15): the label's admins at `/admin`. This
//! module is its frame — the second factor admins sign in with, the
//! re-confirmation destructive actions ask for, and the audit log every
//! action writes to. The console's pages (roster, moderation, money,
//! people, branding) live with the pillar whose rows they act on, and use
//! [`Admin`] and [`audit::record`].

pub mod audit;
mod audit_web;
mod mfa;
mod money;
mod roster;
pub mod totp;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::{AuthUser, SessionFactors};
use crate::config::{Config, ConfigError, invalid};
use crate::error::{AppError, AppResult};
use crate::pillar::{Install, Pillar};

pub use mfa::reset_for_email;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminConfig {
    pub reauth_minutes: u64,
    pub code_attempts_per_minute: u32,
}

impl AdminConfig {
    fn from_config(config: &Config) -> Result<AdminConfig, ConfigError> {
        let admin: AdminConfig = config.section("admin")?;
        if admin.reauth_minutes == 0 || admin.reauth_minutes > 60 {
            return Err(invalid("admin.reauth_minutes", admin.reauth_minutes, "must be 1 to 60 minutes"));
        }
        if admin.code_attempts_per_minute == 0 || admin.code_attempts_per_minute > 60 {
            return Err(invalid("admin.code_attempts_per_minute", admin.code_attempts_per_minute, "must be 1 to 60"));
        }
        Ok(admin)
    }
}

pub struct ConsoleState {
    pub config: AdminConfig,
    /// Code guesses per admin account: six digits fall to unbounded tries.
    code_tries: governor::DefaultKeyedRateLimiter<crate::core::ids::UserId>,
}

fn state(state: &AppState) -> &ConsoleState {
    state.substate::<ConsoleState>()
}

/// The label's admin on a console page: signed in with both factors (a
/// session without its code is sent to `/admin/mfa`).
pub struct Admin {
    pub user: AuthUser,
    factors: SessionFactors,
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let crate::auth::AdminUser(user) = crate::auth::AdminUser::from_request_parts(parts, state).await?;
        let factors = parts.extensions.get::<SessionFactors>().cloned().ok_or(AppError::Unauthorized)?;
        Ok(Admin { user, factors })
    }
}

impl Admin {
    pub fn actor(&self) -> audit::Actor {
        audit::Actor { user_id: Some(self.user.id), name: self.user.email.clone() }
    }

    /// Whether a destructive action may go ahead without a code now (one
    /// was entered within `admin.reauth_minutes`); forms show the code
    /// field otherwise.
    pub fn recently_confirmed(&self, app: &AppState) -> bool {
        let window = i64::try_from(state(app).config.reauth_minutes).unwrap_or(10) * 60_000;
        self.factors.reauth_at.is_some_and(|at| app.clock.now_ms() - at < window)
    }

    /// Re-authentication for a destructive action: passes when a code was
    /// entered recently, else checks `code` (the form's `code` field).
    pub async fn reauthenticate(&self, app: &AppState, code: Option<&str>) -> AppResult<()> {
        if self.recently_confirmed(app) {
            return Ok(());
        }
        let code = code.map(str::trim).filter(|c| !c.is_empty()).ok_or_else(|| {
            AppError::invalid("code", "Enter the current code from your authenticator app to confirm.")
        })?;
        mfa::confirm_code(app, &self.user, &self.factors.token_hash, code).await
    }
}

pub struct ConsolePillar;

pub static PILLAR: ConsolePillar = ConsolePillar;

impl Pillar for ConsolePillar {
    fn name(&self) -> &'static str {
        "console"
    }

    fn config_defaults(&self) -> &'static str {
        include_str!("config.toml")
    }

    fn check_config(&self, config: &Config) -> Result<(), ConfigError> {
        AdminConfig::from_config(config).map(|_| ())
    }

    fn install(&self, install: &mut Install<'_>) -> anyhow::Result<()> {
        let config = AdminConfig::from_config(install.config)?;
        let code_tries = crate::identity::limits::keyed(config.code_attempts_per_minute, governor::Quota::per_minute);
        install.substates.insert(ConsoleState { config, code_tries });
        Ok(())
    }

    fn web(&self) -> Router<AppState> {
        mfa::router().merge(audit_web::router()).merge(money::routes()).merge(roster::routes())
    }
}
