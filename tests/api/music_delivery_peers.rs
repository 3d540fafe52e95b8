//! DDEX delivery to real peers: a batch into an S3 bucket (the local S3
//! server) and over SFTP (Debian's sshd on loopback, started by
//! `scripts/test` through `scripts/sftp-peer`). Without them these tests
//! fail; they are never skipped.

use std::path::Path;

use crate::bops::{count, count_text};
use crate::helpers::client;
use crate::music_ddex::{assert_valid_ern, check_batch, published_and_delivered, target};

fn env(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is not set: run the suite with scripts/test, which starts the peers"))
}

#[tokio::test]
async fn a_published_release_lands_in_the_stores_sftp_drop_folder_marker_last() {
    let remote_dir = format!("{}/inbox-{}", env("SFTP_TEST_DIR"), uuid::Uuid::new_v4().simple());
    let sftp = target(
        "sftp-store",
        "sftp",
        &[
            ("host", env("SFTP_TEST_HOST").into()),
            ("port", env("SFTP_TEST_PORT").parse::<i64>().unwrap().into()),
            ("username", env("SFTP_TEST_USER").into()),
            ("private_key_file", env("SFTP_TEST_KEY").into()),
            ("host_key", env("SFTP_TEST_HOST_KEY").into()),
            ("remote_dir", remote_dir.clone().into()),
        ],
    );
    let app = published_and_delivered(sftp).await;
    let status = count_text(&app, "SELECT status || ' ' || COALESCE(last_error, '') FROM ddex_deliveries");
    assert_eq!(status.trim(), "delivered");
    let drop = Path::new(&remote_dir);
    let upc = count_text(&app, "SELECT upc FROM music_releases");
    let message = check_batch(drop, &upc);
    assert_valid_ern(&message);
    // The masters arrive untouched: the message's MD5s are the files'.
    let master = count_text(&app, "SELECT master_md5 FROM music_tracks ORDER BY position LIMIT 1");
    let xml = std::fs::read_to_string(&message).unwrap();
    assert!(xml.contains(&master), "the message carries each master's MD5");
}

#[tokio::test]
async fn a_published_release_lands_in_the_stores_bucket() {
    let endpoint = env("S3_TEST_ENDPOINT");
    let bucket = format!("ddex-{}", uuid::Uuid::new_v4().simple());
    assert!(client().put(format!("{endpoint}/{bucket}")).send().await.unwrap().status().is_success());
    let s3 = target(
        "s3-store",
        "s3",
        &[
            ("bucket", bucket.clone().into()),
            ("region", "us-east-1".into()),
            ("endpoint", endpoint.clone().into()),
            ("access_key_id", "testing".into()),
            ("secret_access_key", "testing".into()),
            ("prefix", "incoming".into()),
        ],
    );
    let app = published_and_delivered(s3).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM ddex_deliveries WHERE status = 'delivered'"), 1);
    let listing = client()
        .get(format!("{endpoint}/{bucket}?list-type=2&prefix=incoming/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let keys: Vec<&str> = listing.split("<Key>").skip(1).filter_map(|s| s.split("</Key>").next()).collect();
    assert_eq!(keys.len(), 5, "message, cover, two masters, marker: {keys:?}");
    let upc = count_text(&app, "SELECT upc FROM music_releases");
    let message = keys.iter().find(|k| k.ends_with(&format!("{upc}.xml"))).unwrap();
    let store = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(&bucket)
        .with_region("us-east-1")
        .with_endpoint(&endpoint)
        .with_allow_http(true)
        .with_access_key_id("testing")
        .with_secret_access_key("testing")
        .build()
        .unwrap();
    let path = object_store::path::Path::parse(*message).unwrap();
    let xml = object_store::ObjectStore::get(&store, &path).await.unwrap().bytes().await.unwrap();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &xml).unwrap();
    assert_valid_ern(file.path());
    assert!(keys.iter().any(|k| k.contains("BatchComplete_")), "{keys:?}");
}
