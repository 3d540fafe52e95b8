//! Who may fetch an object. The media route asks the owning content (a
//! pillar's lookup) for a [`Grant`] on every request, so deleting or hiding
//! content closes its media at once, whatever links are out there. Public
//! media has stable, cacheable URLs; anything else is fetched through links
//! signed here (HMAC over key and expiry with a server secret), handed out
//! only to viewers the content's own rules let see it.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::MediaKey;

/// Who may fetch an object, and the type it is served with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub audience: Audience,
    pub content_type: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Anyone: a stable URL, publicly cacheable.
    Public,
    /// Only holders of a valid signed link; never stored by shared caches.
    Signed,
}

/// Signs and checks media links.
#[derive(Clone)]
pub struct UrlSigner {
    key: Vec<u8>,
    ttl: Duration,
}

/// The query of a signed link: `?exp=<unix secs>&sig=<hex>`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Signature {
    pub exp: Option<u64>,
    pub sig: Option<String>,
}

impl UrlSigner {
    pub fn new(key: Vec<u8>, ttl: Duration) -> UrlSigner {
        UrlSigner { key, ttl }
    }

    /// The URL path for `key`: stable when public, signed otherwise.
    pub fn url(&self, key: &MediaKey, audience: Audience, now_secs: u64) -> String {
        match audience {
            Audience::Public => key.url_path(),
            Audience::Signed => {
                let exp = now_secs + self.ttl.as_secs();
                format!("{}?exp={exp}&sig={}", key.url_path(), self.mac(key, exp))
            }
        }
    }

    /// Does `signature` open `key` at `now_secs`?
    pub fn verify(&self, key: &MediaKey, signature: &Signature, now_secs: u64) -> bool {
        let (Some(exp), Some(sig)) = (signature.exp, signature.sig.as_deref()) else { return false };
        let Ok(given) = hex::decode(sig) else { return false };
        exp >= now_secs && self.hmac(key, exp).verify_slice(&given).is_ok()
    }

    fn hmac(&self, key: &MediaKey, exp: u64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        // The key cannot contain a newline (see MediaKey), so the message is unambiguous.
        mac.update(format!("media\n{key}\n{exp}").as_bytes());
        mac
    }

    fn mac(&self, key: &MediaKey, exp: u64) -> String {
        hex::encode(self.hmac(key, exp).finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_links_open_only_their_key_until_they_expire() {
        let signer = UrlSigner::new(b"secret".to_vec(), Duration::from_secs(60));
        let key = MediaKey::parse("bops/abc/video").unwrap();
        let url = signer.url(&key, Audience::Signed, 1000);
        let query = url.split_once('?').unwrap().1;
        let signature: Signature = serde_urlencoded_like(query);
        assert!(signer.verify(&key, &signature, 1000));
        assert!(signer.verify(&key, &signature, 1060));
        assert!(!signer.verify(&key, &signature, 1061), "expired");
        assert!(!signer.verify(&MediaKey::parse("bops/abd/video").unwrap(), &signature, 1000), "another key");
        let longer = Signature { exp: Some(99_999), sig: signature.sig.clone() };
        assert!(!signer.verify(&key, &longer, 1000), "a stretched expiry");
        let other = UrlSigner::new(b"other".to_vec(), Duration::from_secs(60));
        assert!(!other.verify(&key, &signature, 1000), "another server's secret");
        assert!(!signer.verify(&key, &Signature::default(), 1000));
        assert_eq!(signer.url(&key, Audience::Public, 1000), "/media/bops/abc/video");
    }

    fn serde_urlencoded_like(query: &str) -> Signature {
        let mut signature = Signature::default();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            match name.as_ref() {
                "exp" => signature.exp = value.parse().ok(),
                "sig" => signature.sig = Some(value.into_owned()),
                _ => {}
            }
        }
        signature
    }
}
