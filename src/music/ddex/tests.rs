//! Tests validate every generated message against DDEX's ERN 4.3 schema
//! with `xmllint` (Debian/Ubuntu package `libxml2-utils`). The schema and
//! samples live in `../shared/ddex` next to the crate.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

use super::batch::{FileSource, check_relative_path, plan_batch};
use super::codes::{iso_duration, parse_iso_duration, previous_day};
use super::*;

fn shared(rel: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/ddex").join(rel);
    assert!(
        p.exists(),
        "missing {} (the DDEX schema and samples must sit in ../shared/ddex next to the crate)",
        p.display()
    );
    p
}

/// Validates `xml` against the ERN 4.3 XSD; panics with xmllint's report.
fn assert_schema_valid(xml: &str) {
    let schema = shared("ern43/release-notification.xsd");
    let mut file = tempfile::Builder::new().suffix(".xml").tempfile().expect("temp file");
    file.write_all(xml.as_bytes()).expect("write temp file");
    let out = match Command::new("xmllint").arg("--noout").arg("--schema").arg(&schema).arg(file.path()).output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "xmllint is not installed, so the DDEX schema validation cannot run. \
             Install it with `apt-get install -y libxml2-utils` (Debian/Ubuntu) \
             or `brew install libxml2` (macOS), then re-run the tests."
        ),
        Err(e) => panic!("could not run xmllint: {e}"),
    };
    assert!(
        out.status.success(),
        "message does not validate against the ERN 4.3 schema:\n{}\n--- message ---\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn header(control: MessageControl) -> MessageHeader {
    MessageHeader {
        message_id: "BOP-2026-0001".into(),
        thread_id: "BOP-2026".into(),
        created: "2026-12-06T12:00:00Z".into(),
        sender: Party { dpid: "PADPIDA2026010101B".into(), name: "Boptone Records".into() },
        recipient: Party { dpid: "PADPIDA2007040502I".into(), name: "Some DSP".into() },
        control,
    }
}

fn audio(uri: &str, codec: AudioCodec) -> AudioFile {
    AudioFile {
        uri: uri.into(),
        md5_hex: "0123456789abcdef0123456789abcdef".into(),
        codec,
        sample_rate: 44_100,
        bits_per_sample: 24,
        channels: 2,
    }
}

fn cover() -> ImageFile {
    ImageFile {
        uri: "resources/A4.jpg".into(),
        md5_hex: "fedcba9876543210fedcba9876543210".into(),
        width: 3000,
        height: 3000,
        codec: ImageCodec::Jpeg,
    }
}

fn track(isrc: &str, title: &str, artist: &str, ms: i64, n: usize) -> Track {
    Track {
        isrc: isrc.into(),
        title: title.into(),
        version: String::new(),
        display_artist: artist.into(),
        duration_ms: ms,
        explicit: false,
        credits: vec![],
        genre: String::new(),
        file: audio(&format!("resources/A{n}.flac"), AudioCodec::Flac),
    }
}

/// Three tracks with markup characters, quotes and non-ASCII in titles and
/// credits, one explicit track, one WAV master, artwork.
fn album() -> Release {
    let mut t1 = track("USRC17607839", "Rock & Roll <Live>", "Ada & the \"Lovelaces\"", 205_000, 1);
    t1.version = "Live at Café Olé".into();
    t1.credits = vec![
        Credit { name: "Ada Lovelace".into(), role: CreditRole::MainArtist },
        Credit { name: "Zoë Ünder".into(), role: CreditRole::Composer },
        Credit { name: "Zoë Ünder".into(), role: CreditRole::Lyricist },
        Credit { name: "Kenji 山田".into(), role: CreditRole::Producer },
        Credit { name: "M. O'Brien".into(), role: CreditRole::FeaturedArtist },
        Credit { name: "Sam".into(), role: CreditRole::Other("Hand Claps".into()) },
    ];
    let mut t2 = track("GBAYC1700598", "Ça va? 'Non' — 夜", "Ada & the \"Lovelaces\"", 263_583, 2);
    t2.explicit = true;
    t2.genre = "Hip-Hop/Rap".into();
    t2.credits = vec![Credit { name: "Rita Mix".into(), role: CreditRole::MixingEngineer }];
    t2.file = audio("resources/A2.wav", AudioCodec::Wav);
    let t3 = track("QZES71900001", "Ωmega > Alpha", "Ada & the \"Lovelaces\"", 3_723_000, 3);
    Release {
        upc: "036000291452".into(),
        kind: ReleaseKind::Album,
        title: "Ampersands & <Angles>".into(),
        version: "Deluxe".into(),
        display_artist: "Ada & the \"Lovelaces\"".into(),
        featured_artists: vec!["M. O'Brien".into()],
        label_name: "Boptone Records".into(),
        genre: "Rock".into(),
        subgenre: "Indie Rock".into(),
        p_line: (2026, "2026 Boptone Records".into()),
        c_line: (2026, "© 2026 Boptone Records".into()),
        release_date: "2026-12-18".into(),
        original_release_date: Some("2020-01-31".into()),
        parental_advisory: Advisory::Explicit,
        language: "en".into(),
        image: Some(cover()),
        tracks: vec![t1, t2, t3],
    }
}

fn single(image: Option<ImageFile>) -> Release {
    Release {
        upc: "4006381333931".into(),
        kind: ReleaseKind::Single,
        title: "Lone Song".into(),
        version: String::new(),
        display_artist: "Solo".into(),
        featured_artists: vec![],
        label_name: "Boptone Records".into(),
        genre: "Pop".into(),
        subgenre: String::new(),
        p_line: (2026, "2026 Boptone Records".into()),
        c_line: (2026, "2026 Boptone Records".into()),
        release_date: "2026-12-18".into(),
        original_release_date: None,
        parental_advisory: Advisory::None,
        language: "en".into(),
        image: image.map(|i| ImageFile { uri: "resources/A2.png".into(), codec: ImageCodec::Png, ..i }),
        tracks: vec![track("USRC17607840", "Lone Song", "Solo", 180_000, 1)],
    }
}

#[test]
fn album_validates_and_escapes_text() {
    let release = album();
    let xml = new_release_message(&header(MessageControl::Live), &release, &default_deals("2026-12-18")).unwrap();
    assert_schema_valid(&xml);
    check_references(&xml).unwrap();

    // Markup characters are escaped, non-ASCII is written as UTF-8.
    assert!(xml.contains("<TitleText>Rock &amp; Roll &lt;Live&gt;</TitleText>"), "{xml}");
    assert!(xml.contains("Ça va? &apos;Non&apos; — 夜"), "{xml}");
    assert!(xml.contains("Ada &amp; the &quot;Lovelaces&quot;"));
    assert!(xml.contains("<DisplayTitleText>Rock &amp; Roll &lt;Live&gt; (Live at Café Olé)</DisplayTitleText>"));
    // The expected pieces are there.
    for needle in [
        "<ReleaseType>Album</ReleaseType>",
        "<ICPN>036000291452</ICPN>",
        "<Duration>PT3M25S</Duration>",
        "<Duration>PT4M23.583S</Duration>",
        "<Duration>PT1H2M3S</Duration>",
        "<ParentalWarningType>Explicit</ParentalWarningType>",
        "<Role>StudioProducer</Role>",
        "<DisplayArtistRole>FeaturedArtist</DisplayArtistRole>",
        "<HasMadeFeaturedContribution>true</HasMadeFeaturedContribution>",
        "UserDefinedValue=\"Hand Claps\"",
        "<ContainerFormat>WAV</ContainerFormat>",
        "<AudioCodecType>PCM</AudioCodecType>",
        "<Type>FrontCoverImage</Type>",
        "<LinkedReleaseResourceReference LinkDescription=\"CoverArt\">A4</LinkedReleaseResourceReference>",
        "<ProprietaryId Namespace=\"PADPIDA2026010101B\">036000291452_GBAYC1700598</ProprietaryId>",
        "<OriginalReleaseDate ApplicableTerritoryCode=\"Worldwide\">2020-01-31</OriginalReleaseDate>",
        "<DealReleaseReference>R3</DealReleaseReference>",
        "<UseType>PermanentDownload</UseType>",
    ] {
        assert!(xml.contains(needle), "missing {needle}");
    }
    // Zoë is one contributor with two roles.
    assert_eq!(xml.matches("<FullName>Zoë Ünder</FullName>").count(), 1);

    // And the text reads back unescaped.
    let s = read_summary(&xml).unwrap();
    assert_eq!(s.title, "Ampersands & <Angles>");
    assert_eq!(s.display_artist, "Ada & the \"Lovelaces\"");
    let titles: Vec<&str> = s.tracks.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, ["Rock & Roll <Live>", "Ça va? 'Non' — 夜", "Ωmega > Alpha"]);
}

#[test]
fn single_without_artwork_is_refused_and_with_artwork_validates() {
    let err =
        new_release_message(&header(MessageControl::Live), &single(None), &default_deals("2026-12-18")).unwrap_err();
    assert!(matches!(err, DdexError::MissingFrontCover), "{err}");
    assert!(err.to_string().contains("front cover image"));

    let xml = new_release_message(&header(MessageControl::Live), &single(Some(cover())), &default_deals("2026-12-18"))
        .unwrap();
    assert_schema_valid(&xml);
    check_references(&xml).unwrap();
    assert!(xml.contains("<ReleaseType>Single</ReleaseType>"));
    assert!(xml.contains("<ImageCodecType>PNG</ImageCodecType>"));
}

#[test]
fn test_and_live_control_types() {
    let release = single(Some(cover()));
    let deals = default_deals("2026-12-18");
    let test = new_release_message(&header(MessageControl::Test), &release, &deals).unwrap();
    let live = new_release_message(&header(MessageControl::Live), &release, &deals).unwrap();
    assert!(test.contains("<MessageControlType>TestMessage</MessageControlType>"));
    assert!(live.contains("<MessageControlType>LiveMessage</MessageControlType>"));
    assert!(!test.contains("LiveMessage") && !live.contains("TestMessage"));
    assert_schema_valid(&test);
}

#[test]
fn takedown_ends_deals_and_validates() {
    let release = album();
    let xml = takedown_message(&header(MessageControl::Live), &release, "2027-03-01").unwrap();
    assert_schema_valid(&xml);
    check_references(&xml).unwrap();
    // Every deal ends the day before the takedown takes effect (end dates are inclusive).
    let deals = xml.matches("<Deal>").count();
    assert_eq!(deals, 3 * 4, "3 default deals for R0..R3");
    assert_eq!(xml.matches("<EndDate>2027-02-28</EndDate>").count(), deals);
    assert!(xml.contains("<StartDate>2026-12-18</StartDate>"));

    // Before street date the deal list is simply omitted.
    let early = takedown_message(&header(MessageControl::Live), &release, "2026-12-01").unwrap();
    assert_schema_valid(&early);
    assert!(!early.contains("<DealList>"));
    assert!(read_summary(&early).is_ok());

    assert!(takedown_message(&header(MessageControl::Live), &release, "2027-02-30").is_err());
}

#[test]
fn check_references_catches_dangling_and_wrong_kind() {
    let xml = new_release_message(&header(MessageControl::Live), &album(), &default_deals("2026-12-18")).unwrap();
    check_references(&xml).unwrap();

    let dangling = xml.replacen(
        "<DealReleaseReference>R2</DealReleaseReference>",
        "<DealReleaseReference>R9</DealReleaseReference>",
        1,
    );
    let err = check_references(&dangling).unwrap_err();
    assert!(matches!(&err, DdexError::DanglingReferences(p) if p.len() == 1 && p[0].contains("R9")), "{err}");

    // Points at something that exists, but is a resource, not a party:
    // xmllint's IDREF check would accept this.
    let wrong_kind = xml.replacen(
        "<ArtistPartyReference>P1</ArtistPartyReference>",
        "<ArtistPartyReference>A1</ArtistPartyReference>",
        1,
    );
    let err = check_references(&wrong_kind).unwrap_err();
    assert!(err.to_string().contains("must refer to a party"), "{err}");

    let duplicate =
        xml.replacen("<ResourceReference>A2</ResourceReference>", "<ResourceReference>A1</ResourceReference>", 1);
    assert!(matches!(check_references(&duplicate), Err(DdexError::DuplicateReference(r)) if r == "A1"));

    assert!(matches!(check_references("<a><b></a>"), Err(DdexError::Xml(_))));
}

#[test]
fn ddex_samples_have_consistent_references() {
    for name in ["1-Audio.xml", "2-Video.xml", "3-MixedMedia.xml", "4-SimpleAudioSingle.xml", "8-DjMix.xml"] {
        let xml = std::fs::read_to_string(shared(&format!("samples43/{name}"))).unwrap();
        check_references(&xml).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn validate_codes_refuses_bad_isrc_and_check_digit() {
    validate_codes(&album()).unwrap();

    for bad in ["US-RC1-76-07839", "USRC1760783", "usrc17607839", "1SRC17607839", "USRC1A607839"] {
        let mut r = album();
        r.tracks[1].isrc = bad.into();
        let err = validate_codes(&r).unwrap_err();
        assert!(matches!(&err, DdexError::BadIsrc { track: 2, .. }), "{bad}: {err}");
    }

    let mut r = album();
    r.upc = "036000291453".into();
    let err = validate_codes(&r).unwrap_err();
    assert!(matches!(&err, DdexError::BadIcpnCheckDigit { expected: '2', found: '3', .. }), "{err}");
    assert!(err.to_string().contains("check digit"));

    r.upc = "4006381333932".into();
    assert!(matches!(validate_codes(&r), Err(DdexError::BadIcpnCheckDigit { .. })));
    r.upc = "03600029145".into();
    assert!(matches!(validate_codes(&r), Err(DdexError::BadIcpn { .. })));

    let mut r = album();
    r.tracks[2].isrc = r.tracks[0].isrc.clone();
    assert!(matches!(validate_codes(&r), Err(DdexError::DuplicateIsrc { .. })));

    let mut r = album();
    r.tracks[0].duration_ms = 0;
    assert!(matches!(validate_codes(&r), Err(DdexError::BadDuration { track: 1, .. })));

    let mut r = album();
    r.tracks.clear();
    assert!(matches!(validate_codes(&r), Err(DdexError::NoTracks)));

    // new_release_message runs the same checks.
    let mut r = album();
    r.upc = "036000291453".into();
    assert!(new_release_message(&header(MessageControl::Live), &r, &default_deals("2026-12-18")).is_err());
}

#[test]
fn sample_single_round_trips() {
    let sample = std::fs::read_to_string(shared("samples43/4-SimpleAudioSingle.xml")).unwrap();
    let summary = read_summary(&sample).unwrap();
    assert_eq!(summary.icpn, "190295810726");
    assert_eq!(summary.title, "I Love You");
    assert_eq!(summary.display_artist, "RIOPY");
    assert_eq!(summary.tracks.len(), 1);
    let t = &summary.tracks[0];
    assert_eq!((t.isrc.as_str(), t.title.as_str(), t.display_artist.as_str()), ("GBAYC1700598", "I Love You", "RIOPY"));
    assert_eq!(t.duration_ms, 263_583);

    let mut release = single(Some(cover()));
    release.upc = summary.icpn.clone();
    release.title = summary.title.clone();
    release.display_artist = summary.display_artist.clone();
    release.tracks = summary
        .tracks
        .iter()
        .enumerate()
        .map(|(i, t)| track(&t.isrc, &t.title, &t.display_artist, t.duration_ms, i + 1))
        .collect();
    let xml = new_release_message(&header(MessageControl::Test), &release, &default_deals("2017-04-25")).unwrap();
    assert_schema_valid(&xml);
    assert_eq!(read_summary(&xml).unwrap(), summary);
}

#[test]
fn plan_batch_puts_manifest_last_and_refuses_escapes() {
    let release = album();
    let xml = new_release_message(&header(MessageControl::Test), &release, &default_deals("2026-12-18")).unwrap();
    let resources = || -> Vec<(String, String)> {
        ["resources/A1.flac", "resources/A2.wav", "resources/A3.flac", "resources/A4.jpg"]
            .iter()
            .map(|u| (u.to_string(), format!("store/{u}")))
            .collect()
    };
    let plan = plan_batch("20261206120000123", "036000291452", xml.clone(), resources()).unwrap();
    let paths: Vec<&str> = plan.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "20261206120000123/036000291452/036000291452.xml",
            "20261206120000123/036000291452/resources/A1.flac",
            "20261206120000123/036000291452/resources/A2.wav",
            "20261206120000123/036000291452/resources/A3.flac",
            "20261206120000123/036000291452/resources/A4.jpg",
            "20261206120000123/BatchComplete_20261206120000123.xml",
        ]
    );
    assert_eq!(plan.files[0].source, FileSource::Inline(xml.clone().into_bytes()));
    assert_eq!(plan.files[1].source, FileSource::External { key: "store/resources/A1.flac".into() });
    let FileSource::Inline(manifest) = &plan.files.last().unwrap().source else { panic!("manifest must be inline") };
    let manifest = String::from_utf8(manifest.clone()).unwrap();
    assert!(manifest.contains("<URL>20261206120000123/036000291452/036000291452.xml</URL>"), "{manifest}");
    assert!(manifest.contains("<IsTestFlag>true</IsTestFlag>"));
    assert!(manifest.contains("<MessageId>BOP-2026-0001</MessageId>"));
    assert!(manifest.contains("<ICPN>036000291452</ICPN>"));

    // Writing the plan in order yields the DDEX layout.
    let dir = tempfile::tempdir().unwrap();
    for f in &plan.files {
        let target = dir.path().join(&f.path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        let bytes = match &f.source {
            FileSource::Inline(b) => b.clone(),
            FileSource::External { key } => key.as_bytes().to_vec(),
        };
        std::fs::write(target, bytes).unwrap();
    }
    assert!(dir.path().join("20261206120000123/BatchComplete_20261206120000123.xml").is_file());

    let mut escaping = resources();
    escaping[0].0 = "../x".into();
    let err = plan_batch("20261206120000123", "036000291452", xml.clone(), escaping).unwrap_err();
    assert!(matches!(&err, DdexError::UnsafePath { path, .. } if path == "../x"), "{err}");
    for bad in ["../x", "/etc/passwd", "resources/../../x", "resources\\x", "C:/x", "resources//x", "./x", ""] {
        assert!(check_relative_path(bad).is_err(), "{bad:?} accepted");
    }
    assert!(plan_batch("../20261206", "036000291452", xml.clone(), resources()).is_err());

    // A file the message names but the batch does not carry.
    let mut short = resources();
    short.pop();
    let err = plan_batch("20261206120000123", "036000291452", xml.clone(), short).unwrap_err();
    assert!(err.to_string().contains("resources/A4.jpg"), "{err}");

    // The release folder must match the message.
    assert!(plan_batch("20261206120000123", "4006381333931", xml, resources()).is_err());
}

#[test]
fn durations_and_dates() {
    assert_eq!(iso_duration(205_000), "PT3M25S");
    assert_eq!(iso_duration(263_583), "PT4M23.583S");
    assert_eq!(iso_duration(45_500), "PT0M45.5S");
    assert_eq!(iso_duration(3_723_000), "PT1H2M3S");
    for ms in [1, 999, 45_500, 205_000, 263_583, 3_723_000] {
        assert_eq!(parse_iso_duration(&iso_duration(ms)), Some(ms));
    }
    assert_eq!(parse_iso_duration("PT1M"), Some(60_000));
    assert_eq!(parse_iso_duration("P1DT1S"), Some(86_401_000));
    assert_eq!(parse_iso_duration("PT"), None);
    assert_eq!(parse_iso_duration("3M"), None);

    assert_eq!(previous_day("2024-03-01").as_deref(), Some("2024-02-29"));
    assert_eq!(previous_day("2025-03-01").as_deref(), Some("2025-02-28"));
    assert_eq!(previous_day("2025-01-01").as_deref(), Some("2024-12-31"));
    assert_eq!(previous_day("2025-02-29"), None);
}

#[test]
fn refuses_bad_header_and_unwritable_text() {
    let release = album();
    let deals = default_deals("2026-12-18");
    let mut h = header(MessageControl::Live);
    h.sender.dpid = "DPID123".into();
    assert!(new_release_message(&h, &release, &deals).unwrap_err().to_string().contains("PADPIDA"));
    let mut h = header(MessageControl::Live);
    h.created = "yesterday".into();
    assert!(new_release_message(&h, &release, &deals).is_err());

    let mut r = album();
    r.tracks[0].title = "bell\u{7}".into();
    assert!(matches!(new_release_message(&header(MessageControl::Live), &r, &deals), Err(DdexError::Invalid { .. })));

    let mut r = album();
    r.tracks[0].file.uri = "../../etc/passwd".into();
    assert!(new_release_message(&header(MessageControl::Live), &r, &deals).is_err());

    assert!(new_release_message(&header(MessageControl::Live), &album(), &[]).is_err());
}
