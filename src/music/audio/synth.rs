//! Tiny signal generators for demo data and tests: a sine wave as WAV or FLAC.
//!
//! The WAV writer is a few lines of hand-written RIFF so the server needs no WAV crate; it
//! streams samples through a `BufWriter`, so long files cost no memory.

use std::f64::consts::TAU;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use super::MasterError;
use super::rendition::FlacWriter;

/// Shape of the generated file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WavSpec {
    /// Frames per second.
    pub sample_rate: u32,
    /// 8 (unsigned, as WAV defines it), 16 or 24 (signed little-endian).
    pub bits: u16,
    /// Every channel carries the same sine.
    pub channels: u16,
}

impl WavSpec {
    /// CD quality: 44.1 kHz, 16-bit, stereo.
    pub const CD: WavSpec = WavSpec { sample_rate: 44_100, bits: 16, channels: 2 };
}

/// `amplitude` is linear peak relative to full scale (1.0 = 0 dBFS); the value is clamped so
/// that 1.0 does not wrap. Yields one integer sample per frame at `bits` resolution.
fn sine(spec: WavSpec, seconds: f64, freq_hz: f64, amplitude: f64) -> impl Iterator<Item = i32> {
    let frames = (seconds * f64::from(spec.sample_rate)).round().max(0.0) as u64;
    let full = f64::from((1u32 << (spec.bits - 1)) - 1);
    let step = TAU * freq_hz / f64::from(spec.sample_rate);
    (0..frames).map(move |n| ((n as f64 * step).sin() * amplitude * full).round().clamp(-full - 1.0, full) as i32)
}

/// Writes a PCM WAV holding a sine of `freq_hz` at `amplitude` (linear, 1.0 = full scale).
pub fn write_wav(path: &Path, spec: WavSpec, seconds: f64, freq_hz: f64, amplitude: f64) -> io::Result<()> {
    if !matches!(spec.bits, 8 | 16 | 24) || spec.channels == 0 {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "bits must be 8, 16 or 24; channels >= 1"));
    }
    let bytes_per_sample = u32::from(spec.bits / 8);
    let block_align = bytes_per_sample * u32::from(spec.channels);
    let frames = (seconds * f64::from(spec.sample_rate)).round().max(0.0) as u64;
    let data_len = u32::try_from(frames * u64::from(block_align))
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "too long for a RIFF WAV"))?;
    let mut w = BufWriter::with_capacity(256 * 1024, File::create(path)?);
    w.write_all(b"RIFF")?;
    w.write_all(&(36 + data_len + (data_len & 1)).to_le_bytes())?;
    w.write_all(b"WAVEfmt ")?;
    w.write_all(&16u32.to_le_bytes())?;
    w.write_all(&1u16.to_le_bytes())?; // WAVE_FORMAT_PCM
    w.write_all(&spec.channels.to_le_bytes())?;
    w.write_all(&spec.sample_rate.to_le_bytes())?;
    w.write_all(&(spec.sample_rate * block_align).to_le_bytes())?;
    w.write_all(&(block_align as u16).to_le_bytes())?;
    w.write_all(&spec.bits.to_le_bytes())?;
    w.write_all(b"data")?;
    w.write_all(&data_len.to_le_bytes())?;
    for s in sine(spec, seconds, freq_hz, amplitude) {
        let bytes = match spec.bits {
            8 => vec![(s + 128) as u8], // 8-bit WAV is unsigned
            16 => (s as i16).to_le_bytes().to_vec(),
            _ => s.to_le_bytes()[..3].to_vec(),
        };
        for _ in 0..spec.channels {
            w.write_all(&bytes)?;
        }
    }
    if data_len & 1 == 1 {
        w.write_all(&[0])?; // RIFF chunks are padded to even length
    }
    w.flush()
}

/// Writes a FLAC holding a sine (same parameters as [`write_wav`]; `spec.bits` 16 or 24).
pub fn write_flac(path: &Path, spec: WavSpec, seconds: f64, freq_hz: f64, amplitude: f64) -> Result<(), MasterError> {
    let mut writer = FlacWriter::create(path, spec.sample_rate, u32::from(spec.channels), u32::from(spec.bits))?;
    let channels = usize::from(spec.channels);
    let mut chunk = Vec::with_capacity(4096 * channels);
    for s in sine(spec, seconds, freq_hz, amplitude) {
        chunk.extend(std::iter::repeat_n(s, channels));
        if chunk.len() >= 4096 * channels {
            writer.write_interleaved(&chunk)?;
            chunk.clear();
        }
    }
    writer.write_interleaved(&chunk)?;
    writer.finish().map(|_| ())
}
