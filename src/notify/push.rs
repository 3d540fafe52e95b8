//! Web push, the parts without a network: the server's VAPID key (RFC 8292),
//! what a browser's subscription must look like to be stored, which push
//! endpoints the server may post to, the payload, and its RFC 8291
//! (`aes128gcm`) encryption. Delivery is [`super::push_outbox`].

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde::Deserialize;
use url::{Host, Url};

use crate::db::{Db, Durability, now_ms, server_secret_made_by};
use crate::error::AppError;

/// A user's browsers and devices at most; subscribing one more replaces the
/// one that has gone longest without a delivery.
pub const MAX_SUBSCRIPTIONS_PER_USER: usize = 10;
/// Push services refuse VAPID tokens that live longer than a day; ours live
/// twelve hours.
pub const JWT_LIFETIME_SECS: u64 = 12 * 3600;
/// Longest endpoint URL accepted (real ones are a few hundred characters).
const MAX_ENDPOINT_LEN: usize = 1024;
/// Name of the VAPID private key in `server_secrets`.
const VAPID_SECRET: &str = "vapid_p256";
/// Room left for the payload: push services take 4096 bytes of ciphertext,
/// the `aes128gcm` header with the key id takes 86, the tag and padding 17.
const MAX_TITLE_CHARS: usize = 120;
const MAX_BODY_CHARS: usize = 600;
const MAX_URL_CHARS: usize = 1024;

/// The server's VAPID key pair (P-256), made on first start and kept in
/// `server_secrets`, so browsers' subscriptions outlive restarts.
pub struct Vapid {
    key: SigningKey,
    /// The uncompressed public point, base64url: `applicationServerKey`.
    public_key: String,
    /// The `sub` claim: whom a push service may contact.
    contact: String,
}

impl Vapid {
    pub fn load_or_create(db: &Db, contact: String) -> anyhow::Result<Vapid> {
        let secret = db.write_blocking(Durability::Normal, |tx| {
            server_secret_made_by(tx, VAPID_SECRET, now_ms(), new_private_key)
        })?;
        let key = SigningKey::from_slice(&secret).map_err(|_| {
            anyhow::anyhow!("the stored VAPID key ({VAPID_SECRET} in server_secrets) is not a P-256 key")
        })?;
        Ok(Vapid::from_key(key, contact))
    }

    fn from_key(key: SigningKey, contact: String) -> Vapid {
        let point = key.verifying_key().to_encoded_point(false);
        Vapid { public_key: URL_SAFE_NO_PAD.encode(point.as_bytes()), key, contact }
    }

    /// The public key for `PushManager.subscribe({applicationServerKey})`.
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// The `Authorization` header for a push to `endpoint` (RFC 8292 §3):
    /// an ES256 JWT for the endpoint's origin, and the public key.
    pub fn authorization(&self, endpoint: &Url, now_secs: u64) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({
            "aud": endpoint.origin().ascii_serialization(),
            "exp": now_secs + JWT_LIFETIME_SECS,
            "sub": self.contact,
        });
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signing_input = format!("{header}.{claims}");
        let signature: Signature = self.key.sign(signing_input.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(signature.to_bytes());
        format!("vapid t={signing_input}.{signature}, k={}", self.public_key)
    }
}

/// 32 random bytes that are a P-256 private scalar (all but about one in
/// 2³² draws are).
fn new_private_key() -> Vec<u8> {
    loop {
        let candidate: [u8; 32] = rand::random();
        if SigningKey::from_slice(&candidate).is_ok() {
            return candidate.to_vec();
        }
    }
}

/// A subscription as `PushSubscription.toJSON()` gives it; everything is
/// optional here so that a missing field is named in the answer.
#[derive(Debug, Default, Deserialize)]
pub struct SubscriptionInput {
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default)]
    pub keys: Option<KeysInput>,
}

#[derive(Debug, Default, Deserialize)]
pub struct KeysInput {
    #[serde(default)]
    pub p256dh: Option<String>,
    #[serde(default)]
    pub auth: Option<String>,
}

/// The endpoint of a subscription to remove.
#[derive(Debug, Default, Deserialize)]
pub struct EndpointInput {
    #[serde(default)]
    pub endpoint: Option<String>,
}

/// A checked subscription, ready to store.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub endpoint: String,
    pub p256dh: Vec<u8>,
    pub auth: Vec<u8>,
}

impl NewSubscription {
    /// Checks every field, and names each one that is wrong.
    pub fn parse(input: SubscriptionInput, allow_local: bool) -> Result<NewSubscription, AppError> {
        let mut fields = BTreeMap::new();
        let endpoint = match input.endpoint.as_deref().map(str::trim) {
            None | Some("") => {
                fields.insert("endpoint".to_owned(), "The push endpoint is missing.".to_owned());
                None
            }
            Some(raw) => match check_endpoint(raw, allow_local) {
                Ok(url) => Some(url.to_string()),
                Err(why) => {
                    fields.insert("endpoint".to_owned(), why.to_owned());
                    None
                }
            },
        };
        let keys = input.keys.unwrap_or_default();
        let p256dh = match decode_key(keys.p256dh.as_deref(), 65) {
            Ok(bytes) if p256::PublicKey::from_sec1_bytes(&bytes).is_ok() => Some(bytes),
            Ok(_) => {
                fields.insert("keys.p256dh".to_owned(), "This is not a P-256 public key.".to_owned());
                None
            }
            Err(why) => {
                fields.insert("keys.p256dh".to_owned(), why);
                None
            }
        };
        let auth = match decode_key(keys.auth.as_deref(), 16) {
            Ok(bytes) => Some(bytes),
            Err(why) => {
                fields.insert("keys.auth".to_owned(), why);
                None
            }
        };
        match (endpoint, p256dh, auth) {
            (Some(endpoint), Some(p256dh), Some(auth)) if fields.is_empty() => {
                Ok(NewSubscription { endpoint, p256dh, auth })
            }
            _ => Err(AppError::Invalid { message: "This push subscription cannot be used.".to_owned(), fields }),
        }
    }
}

/// A base64url value (padded or not) of exactly `len` bytes.
fn decode_key(raw: Option<&str>, len: usize) -> Result<Vec<u8>, String> {
    let raw = raw.map(str::trim).filter(|r| !r.is_empty()).ok_or_else(|| "This key is missing.".to_owned())?;
    let bytes =
        URL_SAFE_NO_PAD.decode(raw.trim_end_matches('=')).map_err(|_| "This key is not base64url.".to_owned())?;
    if bytes.len() != len {
        return Err(format!("This key must be {len} bytes, not {}.", bytes.len()));
    }
    Ok(bytes)
}

/// Where the server may post: https on a public host. With
/// `notify.push_allow_local_endpoints` (tests), also http or https on this
/// machine's loopback. Never credentials in the URL, never a private,
/// link-local or otherwise internal address, never a single-label name
/// (those resolve through the local search domains). Names are checked
/// again when they resolve, at every delivery.
pub fn check_endpoint(raw: &str, allow_local: bool) -> Result<Url, &'static str> {
    if raw.len() > MAX_ENDPOINT_LEN {
        return Err("The push endpoint is too long.");
    }
    let url = Url::parse(raw).map_err(|_| "The push endpoint is not a URL.")?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("The push endpoint must not carry credentials.");
    }
    let local = match url.host() {
        None => return Err("The push endpoint has no host."),
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if name == "localhost" || name.ends_with(".localhost") {
                true
            } else if !name.contains('.') {
                return Err("The push endpoint must be on a public host.");
            } else {
                false
            }
        }
        Some(Host::Ipv4(ip)) => literal_is_loopback(IpAddr::V4(ip))?,
        Some(Host::Ipv6(ip)) => literal_is_loopback(IpAddr::V6(ip))?,
    };
    if local && !allow_local {
        return Err("The push endpoint must be on a public host.");
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if local => Ok(url),
        _ => Err("The push endpoint must be an https:// URL."),
    }
}

/// Whether a literal address is this machine's loopback (allowed only for
/// tests); an error for any other address that is not public.
fn literal_is_loopback(ip: IpAddr) -> Result<bool, &'static str> {
    if ip.is_loopback() {
        return Ok(true);
    }
    if !is_public(ip) {
        return Err("The push endpoint must be on a public host.");
    }
    Ok(false)
}

/// Whether the server may connect to `ip` for a push.
pub fn address_allowed(ip: IpAddr, allow_local: bool) -> bool {
    if ip.is_loopback() {
        return allow_local;
    }
    is_public(ip)
}

/// A globally routable unicast address: not private, loopback, link-local,
/// shared (CGNAT), documentation, benchmarking, multicast, reserved or
/// unspecified. IPv4 addresses embedded in IPv6 (mapped, NAT64) are judged
/// as IPv4.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => {
            if let Some(v4) = ip.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = ip.segments();
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                let [a, b] = s[6].to_be_bytes();
                let [c, d] = s[7].to_be_bytes();
                return is_public_v4(Ipv4Addr::new(a, b, c, d));
            }
            !(ip.is_unspecified()
                || ip.is_loopback()
                || ip.is_multicast()
                || s[0] & 0xfe00 == 0xfc00 // unique local
                || s[0] & 0xffc0 == 0xfe80 // link-local
                || s[0] & 0xffc0 == 0xfec0 // site-local (deprecated)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || s[0..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible, deprecated
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || a >= 240 // reserved
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b))) // benchmarking
}

/// What the service worker shows: `{"title","body","url"}`, cut to fit
/// the push services' size limit. Nothing else of the notification goes.
pub fn payload(title: &str, body: &str, link: Option<&str>) -> String {
    let cut = |text: &str, max: usize| text.chars().take(max).collect::<String>();
    let url = link.filter(|l| l.len() <= MAX_URL_CHARS).unwrap_or("/");
    serde_json::json!({"title": cut(title, MAX_TITLE_CHARS), "body": cut(body, MAX_BODY_CHARS), "url": url}).to_string()
}

/// The push body: `payload` encrypted for the browser's key and auth secret
/// (RFC 8291, one `aes128gcm` record).
pub fn encrypt(payload: &[u8], p256dh: &[u8], auth: &[u8]) -> anyhow::Result<Vec<u8>> {
    let public = p256::PublicKey::from_sec1_bytes(p256dh).map_err(|_| anyhow::anyhow!("bad p256dh key"))?;
    anyhow::ensure!(auth.len() == 16, "bad auth secret");
    let auth = web_push_native::Auth::clone_from_slice(auth);
    web_push_native::encrypt(payload.to_vec(), &public, &auth).map_err(|e| anyhow::anyhow!("cannot encrypt: {e}"))
}

#[cfg(test)]
mod tests {
    use p256::ecdsa::VerifyingKey;
    use p256::ecdsa::signature::Verifier;

    use super::*;

    fn vapid() -> Vapid {
        Vapid::from_key(SigningKey::from_slice(&[7u8; 32]).unwrap(), "mailto:ops@label.example".into())
    }

    #[test]
    fn the_vapid_header_is_a_signed_jwt_for_the_endpoint_origin() {
        let vapid = vapid();
        let endpoint = Url::parse("https://push.example.net:8443/wpush/v2/abc?x=1").unwrap();
        let header = vapid.authorization(&endpoint, 1_000);
        let (token, key) = header.strip_prefix("vapid t=").unwrap().split_once(", k=").unwrap();
        assert_eq!(key, vapid.public_key());
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let claims: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["aud"], "https://push.example.net:8443");
        assert_eq!(claims["exp"], 1_000 + 12 * 3600);
        assert_eq!(claims["sub"], "mailto:ops@label.example");
        let public = URL_SAFE_NO_PAD.decode(key).unwrap();
        assert_eq!((public.len(), public[0]), (65, 4), "uncompressed point");
        let verifier = VerifyingKey::from_sec1_bytes(&public).unwrap();
        let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
        verifier.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature).unwrap();
    }

    #[test]
    fn endpoints_must_be_https_on_public_hosts() {
        for good in ["https://fcm.googleapis.com/fcm/send/abc", "https://updates.push.services.mozilla.com/wpush/v2/x"]
        {
            assert!(check_endpoint(good, false).is_ok(), "{good}");
        }
        for bad in [
            "http://fcm.googleapis.com/fcm/send/abc",
            "https://127.0.0.1/x",
            "http://127.0.0.1:9000/x",
            "https://localhost/x",
            "https://10.1.2.3/x",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/x",
            "https://[fd00::1]/x",
            "https://[::ffff:192.168.0.1]/x",
            "https://100.64.0.1/x",
            "https://intranet/x",
            "https://user:pw@push.example.net/x",
            "ftp://push.example.net/x",
            "not a url",
        ] {
            assert!(check_endpoint(bad, false).is_err(), "{bad}");
        }
        // Tests may use a stand-in on loopback, and only on loopback.
        assert!(check_endpoint("http://127.0.0.1:9000/push/1", true).is_ok());
        assert!(check_endpoint("http://localhost:9000/push/1", true).is_ok());
        assert!(check_endpoint("http://push.example.net/x", true).is_err());
        assert!(check_endpoint("https://192.168.1.1/x", true).is_err());
    }

    #[test]
    fn only_public_addresses_are_dialled() {
        assert!(address_allowed("142.250.1.1".parse().unwrap(), false));
        assert!(address_allowed("2a00:1450::1".parse().unwrap(), false));
        for internal in
            ["127.0.0.1", "10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.1.1", "0.0.0.0", "::1", "fe80::1"]
        {
            assert!(!address_allowed(internal.parse().unwrap(), false), "{internal}");
        }
        assert!(address_allowed("127.0.0.1".parse().unwrap(), true));
        assert!(!address_allowed("10.0.0.1".parse().unwrap(), true));
    }

    #[test]
    fn a_bad_subscription_names_every_wrong_field() {
        let input = SubscriptionInput {
            endpoint: Some("http://push.example.net/x".into()),
            keys: Some(KeysInput { p256dh: Some(URL_SAFE_NO_PAD.encode([4u8; 33])), auth: None }),
        };
        let AppError::Invalid { fields, .. } = NewSubscription::parse(input, false).unwrap_err() else { panic!() };
        assert_eq!(fields.keys().collect::<Vec<_>>(), ["endpoint", "keys.auth", "keys.p256dh"]);
    }

    #[test]
    fn the_payload_is_small_and_names_only_what_is_shown() {
        let long = "x".repeat(5000);
        let payload = payload(&long, &long, None);
        assert!(payload.len() < 1000, "{}", payload.len());
        let value: serde_json::Value = serde_json::from_str(&payload).unwrap();
        assert_eq!(value.as_object().unwrap().len(), 3);
        assert_eq!(value["url"], "/");
    }
}
