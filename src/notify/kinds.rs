//! The kinds of notice pillars send, as people choose them: a label, who
//! receives them, and whether email and push are on until the user says
//! otherwise. Email is on for money; chatty kinds stay in the app. A kind
//! not listed here (a new one, or a test's) is pushed and never emailed.

use serde::Serialize;

/// Who receives a kind of notice, so each sees only their own choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Artists,
    Fans,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Kind {
    pub name: &'static str,
    pub label: &'static str,
    #[serde(skip)]
    pub audience: Audience,
    pub email: bool,
    pub push: bool,
}

const fn kind(name: &'static str, label: &'static str, audience: Audience, email: bool) -> Kind {
    Kind { name, label, audience, email, push: true }
}

pub const KINDS: &[Kind] = &[
    kind("tip", "Tips you receive", Audience::Artists, true),
    kind("order", "New orders in your shop", Audience::Artists, true),
    kind("payout", "Payouts to your bank", Audience::Artists, true),
    kind("royalties", "Royalty statements", Audience::Artists, true),
    kind("follower", "New followers", Audience::Artists, false),
    // The welcome email is sent by itself; the notice need not be mailed too.
    kind("welcome", "Account and setup", Audience::Artists, false),
    kind("new_bop", "New Bops from artists you follow", Audience::Fans, false),
    kind("new_release", "New music from artists you follow", Audience::Fans, false),
    // The shop emails the tracking number itself.
    kind("order_shipped", "Your orders shipping", Audience::Fans, false),
    kind("order_refunded", "Refunds of your orders", Audience::Fans, true),
];

/// Email off, push on: what a kind not in [`KINDS`] gets.
const UNLISTED: Kind = Kind { name: "", label: "", audience: Audience::Fans, email: false, push: true };

pub fn find(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.name == name)
}

/// The defaults for `name`, listed or not.
pub fn defaults(name: &str) -> Kind {
    find(name).copied().unwrap_or(UNLISTED)
}

/// The kinds a user of `role` ("artist", "fan", "admin") chooses for.
/// Admins see every kind.
pub fn for_role(role: &str) -> impl Iterator<Item = &'static Kind> {
    let only = match role {
        "artist" => Some(Audience::Artists),
        "fan" => Some(Audience::Fans),
        _ => None,
    };
    KINDS.iter().filter(move |k| only.is_none_or(|a| k.audience == a))
}
