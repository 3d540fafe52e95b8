//! Identity's domain types, parsed at the boundary: bad input never gets
//! further than `parse`.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::web::text::{Lines, clean_text};

pub use crate::core::ids::{ArtistId, UserId};

/// A normalised (trimmed, lower-cased) email address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, &'static str> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err("Enter your email address.");
        }
        if email.len() > 254 || lettre::Address::from_str(&email).is_err() || !email.contains('.') {
            return Err("Enter an email address like name@example.com.");
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password as typed; only its length is checked (NIST 800-63B style).
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;
    const MAX_CHARS: usize = 128;

    pub fn parse(raw: &str) -> Result<Password, &'static str> {
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            return Err("Use at least 10 characters.");
        }
        if chars > Self::MAX_CHARS {
            return Err("Use at most 128 characters.");
        }
        Ok(Password(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<hidden>)")
    }
}

/// Where to go after signing in (`?next=`): a path on this site, never
/// another origin. Anything else is dropped and the default page is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct NextPath(String);

impl NextPath {
    const MAX_LEN: usize = 2048;

    pub fn parse(raw: &str) -> Option<NextPath> {
        // Browsers drop tabs and newlines from URLs and read `\` as `/`, so
        // `/\t/evil.example` or `/\evil.example` mean `//evil.example` to them;
        // a newline would also break the Location header.
        let suspicious = |c: char| c.is_control() || c.is_whitespace() || c == '\\';
        if raw.len() > Self::MAX_LEN || raw.chars().any(suspicious) {
            return None;
        }
        if !raw.starts_with('/') || raw.starts_with("//") {
            return None;
        }
        let base = url::Url::parse("http://boptone.invalid/").expect("a valid base");
        let url = base.join(raw).ok()?;
        if url.origin() != base.origin() {
            return None;
        }
        // Re-serialised from the parsed URL: dot segments resolved, every
        // byte percent-encoded as needed. `/..//x` resolves to `//x`, which a
        // browser reads as another host, so that is checked after resolving.
        let mut path = url.path().to_owned();
        if path.starts_with("//") {
            return None;
        }
        if let Some(query) = url.query() {
            path.push('?');
            path.push_str(query);
        }
        Some(NextPath(path))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name other people see on an account's comments and likes: chosen at
/// signup or generated, never derived from the email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_CHARS: usize = 40;

    pub fn parse(raw: &str) -> Result<DisplayName, &'static str> {
        let name = clean_text(raw, Lines::Single)?;
        if name.is_empty() {
            return Err("Enter the name others will see.");
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err("Use at most 40 characters.");
        }
        if name.contains('@') {
            return Err("Leave out the @: a display name is not an email address or a handle.");
        }
        Ok(DisplayName(name))
    }

    /// An empty field means "make one up": "Listener 4821".
    pub fn parse_or_generate(raw: &str) -> Result<DisplayName, &'static str> {
        if raw.trim().is_empty() { Ok(DisplayName::generate()) } else { DisplayName::parse(raw) }
    }

    pub fn generate() -> DisplayName {
        DisplayName(format!("Listener {:04}", rand::random_range(0..10_000)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub use crate::auth::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TierId {
    Starter,
    Pro,
    Label,
}

impl TierId {
    pub fn parse(raw: &str) -> Option<TierId> {
        match raw {
            "starter" => Some(TierId::Starter),
            "pro" => Some(TierId::Pro),
            "label" => Some(TierId::Label),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TierId::Starter => "starter",
            TierId::Pro => "pro",
            TierId::Label => "label",
        }
    }
}

pub use crate::payments::SubscriptionStatus;

/// A public profile handle: the `@handle` in `{public_url}/@handle`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Handle(String);

const RESERVED_HANDLES: &[&str] = &[
    "admin",
    "api",
    "app",
    "artist",
    "assets",
    "boptone",
    "dashboard",
    "help",
    "login",
    "logout",
    "media",
    "metrics",
    "settings",
    "shop",
    "signup",
    "studio",
    "support",
    "webhooks",
];

impl Handle {
    pub fn parse(raw: &str) -> Result<Handle, &'static str> {
        let handle = clean_text(raw, Lines::Single)?.trim_start_matches('@').to_lowercase();
        if handle.len() < 3 || handle.len() > 30 {
            return Err("Use 3 to 30 characters.");
        }
        if !handle.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            return Err("Use only letters, digits and underscores.");
        }
        if RESERVED_HANDLES.contains(&handle.as_str()) {
            return Err("That handle is reserved; choose another.");
        }
        Ok(Handle(handle))
    }

    /// A handle made from a stage name: "DJ Ünïcorn 88" → "dj_unicorn_88".
    pub fn suggest(stage_name: &str) -> String {
        let mut out = String::new();
        for c in stage_name.trim().to_lowercase().chars() {
            let c = deunicode_char(c);
            if c.is_ascii_alphanumeric() {
                out.push(c);
            } else if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
        }
        let mut out: String = out.trim_end_matches('_').chars().take(30).collect();
        while out.len() < 3 {
            out.push('x');
        }
        out
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The few accented letters common in stage names, folded to ASCII.
fn deunicode_char(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

/// The curated genre list offered at setup.
pub const GENRES: &[&str] = &[
    "Afrobeats",
    "Alternative",
    "Ambient",
    "Blues",
    "Classical",
    "Country",
    "Dance",
    "Drill",
    "Electronic",
    "Folk",
    "Funk",
    "Gospel",
    "Hip-Hop",
    "House",
    "Indie",
    "Jazz",
    "K-Pop",
    "Latin",
    "Lo-fi",
    "Metal",
    "Pop",
    "Punk",
    "R&B",
    "Reggae",
    "Reggaeton",
    "Rock",
    "Singer-Songwriter",
    "Soul",
    "Techno",
    "World",
];
pub const MAX_GENRES: usize = 3;

/// The social networks a profile can link, with the hosts each accepts.
pub const SOCIAL_NETWORKS: &[(&str, &str, &[&str])] = &[
    ("instagram", "Instagram", &["instagram.com", "www.instagram.com"]),
    ("tiktok", "TikTok", &["tiktok.com", "www.tiktok.com"]),
    ("youtube", "YouTube", &["youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be"]),
    ("x", "X", &["x.com", "twitter.com", "www.twitter.com"]),
    ("spotify", "Spotify", &["open.spotify.com"]),
    ("soundcloud", "SoundCloud", &["soundcloud.com", "www.soundcloud.com"]),
    ("bandcamp", "Bandcamp", &["bandcamp.com"]),
    ("website", "Website", &[]),
];

/// Checks one social link: an https URL on the network's own hosts
/// (Bandcamp: any `*.bandcamp.com`; website: any https URL).
pub fn parse_social_link(network: &str, raw: &str) -> Result<Option<String>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let Some((_, label, hosts)) = SOCIAL_NETWORKS.iter().find(|(id, _, _)| *id == network) else {
        return Err(format!("Unknown network {network}."));
    };
    let url = url::Url::parse(raw).map_err(|_| format!("Enter the full {label} address, starting with https://."))?;
    if url.scheme() != "https" {
        return Err(format!("The {label} address must start with https://."));
    }
    let host = url.host_str().unwrap_or_default();
    let host_ok = match network {
        "website" => host.contains('.'),
        "bandcamp" => host == "bandcamp.com" || host.ends_with(".bandcamp.com"),
        _ => hosts.contains(&host),
    };
    if !host_ok {
        return Err(format!("That is not a {label} address."));
    }
    let path_ok = network == "website" || network == "bandcamp" || url.path().trim_matches('/').len() > 1;
    if !path_ok {
        return Err(format!("Link to your {label} profile, not the home page."));
    }
    Ok(Some(url.to_string()))
}

/// The profile form after parsing.
#[derive(Debug, Clone)]
pub struct ProfileDraft {
    pub stage_name: String,
    pub handle: Handle,
    pub bio: String,
    pub location: String,
    pub genres: Vec<String>,
    pub social_links: BTreeMap<String, String>,
}

#[derive(Debug, Default, Clone)]
pub struct ProfileInput {
    pub stage_name: String,
    pub handle: String,
    pub bio: String,
    pub location: String,
    pub genres: Vec<String>,
    pub social_links: BTreeMap<String, String>,
}

impl ProfileDraft {
    /// Parses the whole form, collecting every field's error.
    pub fn parse(input: &ProfileInput) -> Result<ProfileDraft, BTreeMap<String, String>> {
        let mut errors = BTreeMap::new();
        let mut text = |field: &str, raw: &str, lines: Lines| {
            clean_text(raw, lines).unwrap_or_else(|e| {
                errors.insert(field.into(), e.into());
                String::new()
            })
        };
        let stage_name = text("stage_name", &input.stage_name, Lines::Single);
        let bio = text("bio", &input.bio, Lines::Multi);
        let location = text("location", &input.location, Lines::Single);
        if stage_name.is_empty() && !errors.contains_key("stage_name") {
            errors.insert("stage_name".into(), "Enter the name fans know you by.".into());
        } else if stage_name.chars().count() > 60 {
            errors.insert("stage_name".into(), "Use at most 60 characters.".into());
        }
        let handle = Handle::parse(&input.handle).map_err(|e| errors.insert("handle".into(), e.into())).ok();
        if bio.chars().count() > 500 {
            errors.insert("bio".into(), "Keep the bio to 500 characters.".into());
        }
        if location.chars().count() > 80 {
            errors.insert("location".into(), "Use at most 80 characters.".into());
        }
        let mut genres: Vec<String> = Vec::new();
        for genre in &input.genres {
            match GENRES.iter().find(|g| g.eq_ignore_ascii_case(genre.trim())) {
                Some(g) if !genres.iter().any(|x| x == g) => genres.push((*g).to_owned()),
                Some(_) => {}
                None => {
                    errors.insert("genres".into(), format!("{genre} is not in the list."));
                }
            }
        }
        if genres.is_empty() && !errors.contains_key("genres") {
            errors.insert("genres".into(), "Choose at least one genre.".into());
        } else if genres.len() > MAX_GENRES {
            errors.insert("genres".into(), format!("Choose at most {MAX_GENRES} genres."));
        }
        let mut social_links = BTreeMap::new();
        for (network, raw) in &input.social_links {
            match parse_social_link(network, raw) {
                Ok(Some(url)) => {
                    social_links.insert(network.clone(), url);
                }
                Ok(None) => {}
                Err(message) => {
                    errors.insert(format!("social_{network}"), message);
                }
            }
        }
        match handle {
            Some(handle) if errors.is_empty() => {
                Ok(ProfileDraft { stage_name, handle, bio, location, genres, social_links })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_newer_statuses_apply_and_ties_move_forward_in_the_life() {
        use SubscriptionStatus::{Active, Canceled, Incomplete, PastDue};
        assert!(Incomplete.superseded_by(None, Active, 5));
        assert!(Active.superseded_by(Some(5), PastDue, 6));
        assert!(!Canceled.superseded_by(Some(6), Active, 5), "late");
        assert!(Incomplete.superseded_by(Some(5), Active, 5), "a tie moves forward");
        assert!(!PastDue.superseded_by(Some(5), Active, 5), "a tie never reopens");
        assert!(Active.superseded_by(Some(5), Canceled, 5));
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(Email::parse("  Ada@Example.COM ").unwrap().as_str(), "ada@example.com");
        for bad in ["", "ada", "ada@", "@example.com", "a b@example.com", "ada@localhost"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn next_paths_stay_on_this_site() {
        for (raw, expected) in [
            ("/dashboard", "/dashboard"),
            ("/artist/setup?step=2", "/artist/setup?step=2"),
            ("/a/../studio", "/studio"),
            ("/%2F%2Fevil.example", "/%2F%2Fevil.example"),
            ("/@nova_lee", "/@nova_lee"),
        ] {
            assert_eq!(NextPath::parse(raw).unwrap().as_str(), expected, "{raw}");
        }
        for bad in [
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example/x",
            "/\n/evil.example",
            "/x\r\nSet-Cookie: a=b",
            "/..//evil.example",
            "/./%2e/..//evil.example",
            "https://evil.example/x",
            "http:evil.example",
            "javascript:alert(1)",
            "%2F%2Fevil.example",
            "dashboard",
            "",
            "/\u{3000}/evil.example",
            &format!("/{}", "a".repeat(3000)),
        ] {
            assert_eq!(NextPath::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn display_names_are_checked_or_generated() {
        assert_eq!(DisplayName::parse(" Ada L. ").unwrap().as_str(), "Ada L.");
        assert!(DisplayName::parse_or_generate("").unwrap().as_str().starts_with("Listener "));
        for bad in ["", "ada@example.com", "evil\u{202E}name", "nul\0", &"x".repeat(41)] {
            assert!(DisplayName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn passwords_need_ten_characters() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("long enough!").is_ok());
        assert!(!format!("{:?}", Password::parse("long enough!").unwrap()).contains("enough"));
    }

    #[test]
    fn handles_are_suggested_and_checked() {
        assert_eq!(Handle::suggest("DJ Ünïcorn 88"), "dj_unicorn_88");
        assert_eq!(Handle::suggest("!!"), "xxx");
        assert_eq!(Handle::parse("@Nova_Lee").unwrap().as_str(), "nova_lee");
        for bad in ["ab", "has space", "admin", "dash-ed", &"x".repeat(31), "nova\u{202E}", "no\0va"] {
            assert!(Handle::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn social_links_are_checked_per_network() {
        assert!(parse_social_link("instagram", "https://instagram.com/nova").unwrap().is_some());
        assert!(parse_social_link("instagram", "https://evil.example/nova").is_err());
        assert!(parse_social_link("instagram", "http://instagram.com/nova").is_err());
        assert!(parse_social_link("instagram", "https://instagram.com/").is_err());
        assert!(parse_social_link("bandcamp", "https://nova.bandcamp.com").unwrap().is_some());
        assert!(parse_social_link("website", "https://nova.music").unwrap().is_some());
        assert_eq!(parse_social_link("spotify", "  ").unwrap(), None);
    }

    #[test]
    fn a_profile_form_reports_every_bad_field() {
        let input = ProfileInput {
            stage_name: " ".into(),
            handle: "a".into(),
            genres: vec!["Polka-Step".into()],
            social_links: [("x".to_owned(), "https://example.com/me".to_owned())].into(),
            ..ProfileInput::default()
        };
        let errors = ProfileDraft::parse(&input).unwrap_err();
        for field in ["stage_name", "handle", "genres", "social_x"] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
    }
}
