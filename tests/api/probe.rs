//! The container probe on real files made by ffmpeg (tests/fixtures).

use boptone::bops::probe::{ProbeError, probe, probe_bop};
use boptone::media::{Media, MediaKey};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

async fn stored(bytes: Vec<u8>) -> (Media, MediaKey, u64) {
    let media = Media::in_memory();
    let key = MediaKey::parse("probe/clip").unwrap();
    let size = bytes.len() as u64;
    media.put_bytes(&key, bytes.into()).await.unwrap();
    (media, key, size)
}

async fn check(name: &str) -> Result<boptone::bops::probe::VideoInfo, ProbeError> {
    let (media, key, size) = stored(fixture(name)).await;
    probe_bop(&media, &key, size, 180).await
}

#[tokio::test]
async fn vertical_mp4_webm_and_rotated_videos_are_bops() {
    let mp4 = check("vertical.mp4").await.unwrap();
    assert_eq!((mp4.container, mp4.codec, mp4.width, mp4.height), ("mp4", "h264", 360, 640));
    assert!((3900..=4100).contains(&mp4.duration_ms), "{mp4:?}");

    let webm = check("vertical.webm").await.unwrap();
    assert_eq!((webm.container, webm.codec, webm.width, webm.height), ("webm", "vp9", 360, 640));
    assert!((2900..=3100).contains(&webm.duration_ms), "{webm:?}");

    let rotated = check("rotated.mp4").await.unwrap();
    assert_eq!((rotated.width, rotated.height, rotated.rotation), (360, 640, 90), "landscape pixels shown portrait");

    let tail_index = check("moov_at_end.mp4").await.unwrap();
    assert_eq!((tail_index.width, tail_index.height), (360, 640));
}

#[tokio::test]
async fn horizontal_long_truncated_and_non_videos_are_refused() {
    assert_eq!(check("horizontal.mp4").await, Err(ProbeError::NotVertical { width: 640, height: 360 }));
    assert_eq!(check("long.mp4").await, Err(ProbeError::TooLong { secs: 200, max_secs: 180 }));

    let mut cut = fixture("moov_at_end.mp4");
    cut.truncate(cut.len() / 2);
    let (media, key, size) = stored(cut).await;
    assert_eq!(probe(&media, &key, size).await, Err(ProbeError::Truncated));

    let mut cut_webm = fixture("vertical.webm");
    cut_webm.truncate(cut_webm.len() / 2);
    let (media, key, size) = stored(cut_webm).await;
    assert_eq!(probe(&media, &key, size).await, Err(ProbeError::Truncated));

    for junk in [b"%PDF-1.7 not a video".to_vec(), b"\x89PNG\r\n\x1a\n....".to_vec(), vec![0u8; 10], Vec::new()] {
        let (media, key, size) = stored(junk).await;
        assert!(matches!(probe(&media, &key, size).await, Err(ProbeError::NotAVideo | ProbeError::Truncated)));
    }
}
