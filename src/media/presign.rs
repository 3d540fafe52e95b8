//! AWS Signature V4 query presigning for S3 requests with their own query
//! parameters (UploadPart's `partNumber` and `uploadId`), which the object
//! store's signer cannot add: the browser then uploads parts straight to the
//! bucket.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use url::Url;

#[derive(Clone)]
pub struct S3Presigner {
    /// The bucket's base URL: `{endpoint}/{bucket}` (path style) or the
    /// virtual-hosted bucket URL.
    pub bucket_url: Url,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// RFC 3986 encoding as SigV4 wants it: unreserved characters stay.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

impl S3Presigner {
    /// A presigned URL for `method` on object `key` with `extra` query
    /// parameters, valid for `expires` from `now`.
    pub fn presign(
        &self,
        method: &str,
        key: &str,
        extra: &[(&str, &str)],
        expires: Duration,
        now: DateTime<Utc>,
    ) -> Url {
        let mut url = self.bucket_url.clone();
        let path = format!(
            "{}/{}",
            url.path().trim_end_matches('/'),
            key.split('/').map(encode).collect::<Vec<_>>().join("/")
        );
        url.set_path(&path);
        let date = now.format("%Y%m%d").to_string();
        let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
        let scope = format!("{date}/{}/s3/aws4_request", self.region);
        let credential = format!("{}/{scope}", self.access_key_id);
        let expires = expires.as_secs().to_string();
        let mut query: Vec<(&str, &str)> = extra.to_vec();
        query.extend([
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential", credential.as_str()),
            ("X-Amz-Date", stamp.as_str()),
            ("X-Amz-Expires", expires.as_str()),
            ("X-Amz-SignedHeaders", "host"),
        ]);
        let mut canonical_query: Vec<(String, String)> = query.iter().map(|(k, v)| (encode(k), encode(v))).collect();
        canonical_query.sort();
        let canonical_query = canonical_query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
        let host = &url[url::Position::BeforeHost..url::Position::AfterPort];
        let canonical_request =
            format!("{method}\n{}\n{canonical_query}\nhost:{host}\n\nhost\nUNSIGNED-PAYLOAD", url.path());
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{}",
            hex::encode(Sha256::digest(canonical_request.as_bytes()))
        );
        let key = ["aws4_request"].iter().fold(
            hmac(&hmac(&hmac(format!("AWS4{}", self.secret_access_key).as_bytes(), &date), &self.region), "s3"),
            |k, part| hmac(&k, part),
        );
        let signature = hex::encode(hmac(&key, &string_to_sign));
        url.set_query(Some(&format!("{canonical_query}&X-Amz-Signature={signature}")));
        url
    }
}
