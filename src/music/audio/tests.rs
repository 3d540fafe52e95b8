//! End-to-end tests on synthesised fixtures.

use std::fs;
use std::path::{Path, PathBuf};

use md5::Md5;
use sha2::{Digest, Sha256};
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

use super::synth::{WavSpec, write_flac, write_wav};
use super::*;

const MINUS_23_DBFS: f64 = 0.070_794_578; // 10^(-23/20)

fn fixture(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

fn wav(dir: &tempfile::TempDir, name: &str, spec: WavSpec, seconds: f64, amplitude: f64) -> PathBuf {
    let path = fixture(dir, name);
    write_wav(&path, spec, seconds, 997.0, amplitude).unwrap();
    path
}

fn truncate_to_fraction(path: &Path, fraction: f64) {
    let bytes = fs::read(path).unwrap();
    fs::write(path, &bytes[..(bytes.len() as f64 * fraction) as usize]).unwrap();
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Decodes a whole file with symphonia into interleaved i32 (test helper; holds everything).
fn decode(path: &Path) -> (u32, Vec<i32>) {
    let mss = MediaSourceStream::new(Box::new(fs::File::open(path).unwrap()), Default::default());
    let mut format = symphonia::default::get_probe()
        .probe(&Hint::new(), mss, FormatOptions::default(), MetadataOptions::default())
        .unwrap();
    let track = format.default_track(TrackType::Audio).unwrap();
    let params = track.codec_params.as_ref().unwrap().audio().unwrap().clone();
    let mut decoder =
        symphonia::default::get_codecs().make_audio_decoder(&params, &AudioDecoderOptions::default()).unwrap();
    let (mut all, mut buf) = (Vec::new(), Vec::<i32>::new());
    while let Some(packet) = format.next_packet().unwrap() {
        decoder.decode(&packet).unwrap().copy_to_vec_interleaved(&mut buf);
        all.extend_from_slice(&buf);
    }
    (params.bits_per_sample.unwrap(), all)
}

#[test]
fn accepts_cd_quality_wav() {
    let dir = tempfile::tempdir().unwrap();
    let path = wav(&dir, "a.wav", WavSpec::CD, 2.0, 0.5);
    let info = probe_master(&path).unwrap();
    assert_eq!(info.format, MasterFormat::Wav);
    assert_eq!((info.sample_rate, info.bits_per_sample, info.channels), (44_100, 16, 2));
    assert_eq!(info.frames, 88_200);
    assert_eq!(info.duration_ms, 2_000);
    assert_eq!(info.bytes, fs::metadata(&path).unwrap().len());
    assert_eq!(info.format.mime(), "audio/wav");
}

#[test]
fn accepts_24_bit_96k_wav() {
    let dir = tempfile::tempdir().unwrap();
    let path = wav(&dir, "hd.wav", WavSpec { sample_rate: 96_000, bits: 24, channels: 2 }, 1.5, 0.5);
    let info = probe_master(&path).unwrap();
    assert_eq!((info.sample_rate, info.bits_per_sample, info.frames), (96_000, 24, 144_000));
}

#[test]
fn accepts_flac_even_named_wav() {
    let dir = tempfile::tempdir().unwrap();
    for (bits, rate) in [(16, 44_100), (24, 48_000)] {
        let path = fixture(&dir, "really-a-flac.wav");
        write_flac(&path, WavSpec { sample_rate: rate, bits, channels: 2 }, 1.2, 440.0, 0.3).unwrap();
        let info = probe_master(&path).unwrap();
        assert_eq!(info.format, MasterFormat::Flac);
        assert_eq!((info.sample_rate, info.bits_per_sample), (rate, u32::from(bits)));
        assert_eq!(info.frames, (1.2 * f64::from(rate)).round() as u64);
        assert_eq!(info.format.as_str(), "flac");
    }
}

#[test]
fn refuses_mono() {
    let dir = tempfile::tempdir().unwrap();
    let path = wav(&dir, "m.wav", WavSpec { channels: 1, ..WavSpec::CD }, 2.0, 0.5);
    let err = probe_master(&path).unwrap_err();
    assert!(matches!(err, MasterError::Channels(1)), "{err:?}");
    assert_eq!(err.to_string(), "This file is mono; masters must be stereo.");
    let flac = fixture(&dir, "m.flac");
    write_flac(&flac, WavSpec { channels: 1, ..WavSpec::CD }, 2.0, 440.0, 0.5).unwrap();
    assert!(matches!(probe_master(&flac), Err(MasterError::Channels(1))));
}

#[test]
fn refuses_8_bit() {
    let dir = tempfile::tempdir().unwrap();
    let path = wav(&dir, "8.wav", WavSpec { bits: 8, ..WavSpec::CD }, 2.0, 0.5);
    let err = probe_master(&path).unwrap_err();
    assert_eq!(err.to_string(), "8-bit audio is not accepted; masters must be 16- or 24-bit.");
}

#[test]
fn refuses_22k() {
    let dir = tempfile::tempdir().unwrap();
    let path = wav(&dir, "22.wav", WavSpec { sample_rate: 22_050, ..WavSpec::CD }, 2.0, 0.5);
    let err = probe_master(&path).unwrap_err();
    assert_eq!(err.to_string(), "22.05 kHz is below the 44.1 kHz minimum.");
}

#[test]
fn refuses_mp3_by_magic_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let id3 = fixture(&dir, "song.wav");
    fs::write(&id3, b"ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x00rest-of-frame").unwrap();
    let err = probe_master(&id3).unwrap_err();
    assert_eq!(err.to_string(), "This is an MP3. Upload the lossless master as WAV or FLAC.");
    let bare = fixture(&dir, "bare.flac");
    fs::write(&bare, [0xFF, 0xFB, 0x90, 0x64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
    assert!(matches!(probe_master(&bare), Err(MasterError::WrongFormat { what: "an MP3" })));
    let ogg = fixture(&dir, "x.wav");
    fs::write(&ogg, b"OggS\x00\x02\x00\x00\x00\x00\x00\x00").unwrap();
    assert!(matches!(probe_master(&ogg), Err(MasterError::WrongFormat { .. })));
    let m4a = fixture(&dir, "x.m4a");
    fs::write(&m4a, b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00").unwrap();
    assert_eq!(
        probe_master(&m4a).unwrap_err().to_string(),
        "This is an M4A/MP4 (AAC or ALAC) file. Upload the lossless master as WAV or FLAC."
    );
}

#[test]
fn refuses_text_renamed_wav() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture(&dir, "notes.wav");
    fs::write(&path, "These are my liner notes, not audio.\n".repeat(50)).unwrap();
    let err = probe_master(&path).unwrap_err();
    assert_eq!(err.to_string(), "This is not an audio file. Upload the master as WAV or FLAC.");
}

#[test]
fn refuses_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture(&dir, "empty.wav");
    fs::write(&path, b"").unwrap();
    assert!(matches!(probe_master(&path), Err(MasterError::Empty)));
    let tiny = fixture(&dir, "tiny.wav");
    fs::write(&tiny, b"RIFF").unwrap();
    assert!(matches!(probe_master(&tiny), Err(MasterError::NotAudio)));
}

#[test]
fn refuses_truncated_wav() {
    let dir = tempfile::tempdir().unwrap();
    let path = wav(&dir, "cut.wav", WavSpec::CD, 4.0, 0.5);
    truncate_to_fraction(&path, 0.5);
    let err = probe_master(&path).unwrap_err();
    assert!(matches!(err, MasterError::Truncated), "{err:?}");
    assert_eq!(err.to_string(), "The file ends before its audio does — it looks truncated. Export it again.");
    // Cut inside the header too.
    let path = wav(&dir, "cut2.wav", WavSpec::CD, 4.0, 0.5);
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..30]).unwrap();
    assert!(probe_master(&path).unwrap_err().is_artists_to_fix());
}

#[test]
fn refuses_truncated_flac() {
    let dir = tempfile::tempdir().unwrap();
    for fraction in [0.5, 0.77, 0.999] {
        let path = fixture(&dir, "cut.flac");
        write_flac(&path, WavSpec::CD, 4.0, 440.0, 0.5).unwrap();
        truncate_to_fraction(&path, fraction);
        let err = probe_master(&path).unwrap_err();
        assert!(matches!(err, MasterError::Truncated), "{fraction}: {err:?}");
    }
}

#[test]
fn refuses_corrupted_flac() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture(&dir, "bad.flac");
    write_flac(&path, WavSpec::CD, 3.0, 440.0, 0.5).unwrap();
    let mut bytes = fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 64] {
        *b ^= 0x5A;
    }
    fs::write(&path, &bytes).unwrap();
    assert!(matches!(probe_master(&path), Err(MasterError::Truncated)));
}

#[test]
fn refuses_too_short() {
    let dir = tempfile::tempdir().unwrap();
    let path = wav(&dir, "blip.wav", WavSpec::CD, 0.5, 0.5);
    let err = probe_master(&path).unwrap_err();
    assert!(matches!(err, MasterError::TooShort { duration_ms: 500 }), "{err:?}");
}

#[test]
fn measures_loudness_and_true_peak() {
    let dir = tempfile::tempdir().unwrap();
    // EBU Tech 3341: a stereo 997 Hz sine at -23 dBFS peak per channel reads -23 LUFS.
    for spec in [WavSpec::CD, WavSpec { sample_rate: 48_000, bits: 24, channels: 2 }] {
        let path = wav(&dir, "ref.wav", spec, 10.0, MINUS_23_DBFS);
        let info = probe_master(&path).unwrap();
        let lufs = info.integrated_lufs.unwrap();
        assert!((lufs - -23.0).abs() < 0.5, "{spec:?}: {lufs}");
        assert!((info.true_peak_dbtp - -23.0).abs() < 0.5, "{spec:?}: {}", info.true_peak_dbtp);
        assert!(warnings(&info).is_empty());
    }
}

#[test]
fn silence_has_no_loudness() {
    let dir = tempfile::tempdir().unwrap();
    let path = wav(&dir, "silence.wav", WavSpec::CD, 2.0, 0.0);
    let info = probe_master(&path).unwrap();
    assert_eq!(info.integrated_lufs, None);
    assert_eq!(info.true_peak_dbtp, f64::NEG_INFINITY);
    assert_eq!(warnings(&info).len(), 1);
}

#[test]
fn warns_about_loud_masters() {
    let dir = tempfile::tempdir().unwrap();
    let path = wav(&dir, "loud.wav", WavSpec::CD, 5.0, 0.99);
    let info = probe_master(&path).unwrap();
    assert!(info.integrated_lufs.unwrap() > LOUDNESS_WARN_LUFS);
    assert!(info.true_peak_dbtp > TRUE_PEAK_WARN_DBTP);
    let w = warnings(&info);
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(w[0].contains("LUFS") && w[1].contains("dBTP"), "{w:?}");
}

#[test]
fn hashes_are_of_the_raw_file() {
    let dir = tempfile::tempdir().unwrap();
    let wav_path = wav(&dir, "h.wav", WavSpec::CD, 1.5, 0.5);
    // A trailing chunk after `data` that the WAV reader never reads must still be hashed.
    let mut bytes = fs::read(&wav_path).unwrap();
    bytes.extend_from_slice(b"LIST\x04\x00\x00\x00INFO");
    let riff_len = (bytes.len() - 8) as u32;
    bytes[4..8].copy_from_slice(&riff_len.to_le_bytes());
    fs::write(&wav_path, &bytes).unwrap();
    let flac_path = fixture(&dir, "h.flac");
    write_flac(&flac_path, WavSpec::CD, 1.5, 440.0, 0.5).unwrap();
    for path in [wav_path, flac_path] {
        let bytes = fs::read(&path).unwrap();
        let info = probe_master(&path).unwrap();
        assert_eq!(info.sha256_hex, hex(&Sha256::digest(&bytes)));
        assert_eq!(info.md5_hex, hex(&Md5::digest(&bytes)));
    }
}

#[test]
fn rendition_of_16_bit_master_is_bit_exact() {
    let dir = tempfile::tempdir().unwrap();
    let master = wav(&dir, "m.wav", WavSpec::CD, 3.3, 0.7);
    let out = fixture(&dir, "r.flac");
    let r = encode_flac_rendition(&master, &out).unwrap();
    assert_eq!(r.duration_ms, 3_300);
    assert_eq!(r.bytes, fs::metadata(&out).unwrap().len());
    let (bits, rendered) = decode(&out);
    assert_eq!(bits, 16);
    assert_eq!(decode(&master).1, rendered);
    // The rendition is itself an acceptable master with the same measurements.
    let (a, b) = (probe_master(&master).unwrap(), probe_master(&out).unwrap());
    assert_eq!((b.format, b.frames, b.sample_rate), (MasterFormat::Flac, a.frames, a.sample_rate));
    assert!((a.integrated_lufs.unwrap() - b.integrated_lufs.unwrap()).abs() < 1e-9);
}

#[test]
fn rendition_of_24_bit_master_is_dithered_to_16() {
    let dir = tempfile::tempdir().unwrap();
    let master = wav(&dir, "m.wav", WavSpec { sample_rate: 96_000, bits: 24, channels: 2 }, 2.0, 0.5);
    let out = fixture(&dir, "r.flac");
    encode_flac_rendition(&master, &out).unwrap();
    let (bits, rendered) = decode(&out);
    let (_, original) = decode(&master);
    assert_eq!(bits, 16);
    assert_eq!(rendered.len(), original.len());
    // Within dither (±1 LSB) plus rounding of 16-bit full scale (i32 units: 1 LSB = 65536).
    let worst = original.iter().zip(&rendered).map(|(a, b)| (i64::from(*a) - i64::from(*b)).abs()).max().unwrap();
    assert!(worst <= 2 * 65_536, "{worst}");
    let info = probe_master(&out).unwrap();
    assert_eq!((info.sample_rate, info.bits_per_sample, info.frames), (96_000, 16, 192_000));
}

#[test]
fn rendition_refuses_bad_master() {
    let dir = tempfile::tempdir().unwrap();
    let master = wav(&dir, "m.wav", WavSpec { channels: 1, ..WavSpec::CD }, 2.0, 0.5);
    assert!(matches!(encode_flac_rendition(&master, &fixture(&dir, "r.flac")), Err(MasterError::Channels(1))));
}
