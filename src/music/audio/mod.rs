//! Master audio intake: validate an uploaded master, measure it, and make a streamable copy.
//!
//! The policy (from the issue) is deliberately narrow so that every accepted master is a real
//! lossless source: WAV or FLAC only, 16- or 24-bit integer PCM, 44.1–192 kHz, exactly two
//! channels, 1 second to 30 minutes long. Everything is done in-process with pure-Rust crates
//! (symphonia to decode, ebur128 to measure, flacenc to encode) so the server never shells out.
//!
//! * [`probe_master`] makes one streaming pass over the file: it sniffs the container by content,
//!   checks the format, decodes every packet (catching truncation), measures EBU R128 loudness
//!   and true peak, and hashes the raw bytes (SHA-256 and MD5) as they are read.
//! * [`encode_flac_rendition`] writes a 16-bit stereo FLAC at the master's sample rate — the one
//!   lossless format every current browser plays — in bounded memory. The master itself is never
//!   modified.
//! * [`warnings`] turns the measurements into plain-English advice for the artist.
//! * [`synth`] writes small test/demo tracks (sine waves) as WAV or FLAC.

mod error;
mod probe;
mod rendition;
pub mod synth;

#[cfg(test)]
mod tests;

pub use error::MasterError;
pub use probe::{
    MAX_DURATION_MS, MAX_SAMPLE_RATE, MIN_DURATION_MS, MIN_SAMPLE_RATE, MasterFormat, MasterInfo, probe_master,
};
pub use rendition::{RenditionInfo, encode_flac_rendition};

/// Integrated loudness above which we warn. Streaming services normalise to about -14 LUFS, so a
/// master louder than −9 LUFS is simply turned down and has given up dynamics for nothing.
pub const LOUDNESS_WARN_LUFS: f64 = -9.0;

/// True peak above which we warn. Lossy encoders (AAC, Opus, MP3) overshoot inter-sample peaks,
/// so services ask for at least 1 dB of headroom to avoid clipping after encoding.
pub const TRUE_PEAK_WARN_DBTP: f64 = -1.0;

/// Advice for the artist about an accepted master, as whole sentences. Empty when all is well.
///
/// These are warnings, not refusals: loud masters are a creative choice.
pub fn warnings(info: &MasterInfo) -> Vec<String> {
    loudness_warnings(info.integrated_lufs, info.true_peak_dbtp)
}

/// [`warnings`] from stored measurements.
pub fn loudness_warnings(integrated_lufs: Option<f64>, true_peak_dbtp: f64) -> Vec<String> {
    let mut out = Vec::new();
    match integrated_lufs {
        None => out.push(
            "This master is digital silence, so its loudness cannot be measured. Check that you exported the right \
             file."
                .to_string(),
        ),
        Some(lufs) if lufs > LOUDNESS_WARN_LUFS => out.push(format!(
            "This master measures {lufs:.1} LUFS, louder than {LOUDNESS_WARN_LUFS:.0} LUFS. Streaming services turn \
             loud masters down to about -14 LUFS, so the extra loudness is lost while the squashed dynamics remain."
        )),
        Some(_) => {}
    }
    if true_peak_dbtp > TRUE_PEAK_WARN_DBTP {
        out.push(format!(
            "The true peak is {true_peak_dbtp:.1} dBTP, above {TRUE_PEAK_WARN_DBTP:.0} dBTP. It may clip once \
             converted to AAC, Opus or MP3; leave at least 1 dB of headroom."
        ));
    }
    out
}
