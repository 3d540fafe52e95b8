//! Why a master was refused, in words an artist can act on.
//!
//! Every variant except [`MasterError::Io`] and [`MasterError::Encode`] is the uploader's to fix,
//! and its `Display` text is meant to be shown to them verbatim.

use thiserror::Error;

/// A master that cannot be accepted, or a failure while reading or encoding it.
#[derive(Debug, Error)]
pub enum MasterError {
    /// Zero bytes: usually an interrupted upload.
    #[error("The file is empty. The upload may have been interrupted; try again.")]
    Empty,
    /// Not a recognisable audio container at all (e.g. a text file renamed `.wav`).
    #[error("This is not an audio file. Upload the master as WAV or FLAC.")]
    NotAudio,
    /// A real audio format, but not one we take. `what` reads like "an MP3".
    #[error("This is {what}. Upload the lossless master as WAV or FLAC.")]
    WrongFormat {
        /// Article and name, e.g. "an MP3", "an Ogg (Vorbis or Opus) file".
        what: &'static str,
    },
    /// WAV/FLAC holding something other than integer PCM (float, A-law, ADPCM, …).
    #[error("{0}")]
    UnsupportedEncoding(&'static str),
    /// A WAV or FLAC whose headers we cannot make sense of.
    #[error("This {0} file is damaged or uses a layout we cannot read. Export it again as a standard {0}.")]
    Unreadable(&'static str),
    /// Bit depth other than 16 or 24.
    #[error("{0}-bit audio is not accepted; masters must be 16- or 24-bit.")]
    BitDepth(u32),
    /// Below 44.1 kHz.
    #[error("{} kHz is below the 44.1 kHz minimum.", khz(*.0))]
    SampleRateTooLow(u32),
    /// Above 192 kHz.
    #[error("{} kHz is above the 192 kHz maximum.", khz(*.0))]
    SampleRateTooHigh(u32),
    /// Not exactly two channels.
    #[error("{}", channels_message(*.0))]
    Channels(u32),
    /// The data ends before the header says it should, or a frame fails to decode.
    #[error("The file ends before its audio does — it looks truncated. Export it again.")]
    Truncated,
    /// Shorter than one second.
    #[error("The audio is only {} long; a master must be at least 1 second.", seconds(*.duration_ms))]
    TooShort {
        /// Measured duration.
        duration_ms: i64,
    },
    /// Longer than thirty minutes.
    #[error("The audio runs over {} minutes; a master can be at most 30 minutes.", .duration_ms / 60_000)]
    TooLong {
        /// Duration at which we stopped reading (at least the header's claim).
        duration_ms: i64,
    },
    /// Reading or writing a file failed: a server problem, not the artist's.
    #[error("Could not read or write the audio file: {0}")]
    Io(#[from] std::io::Error),
    /// The FLAC encoder rejected its input: a bug on our side.
    #[error("Could not make the streaming copy: {0}")]
    Encode(String),
}

impl MasterError {
    /// True when the artist can fix this by uploading a different file (so: show the message,
    /// answer 422); false for server-side failures (log them, answer 500).
    pub fn is_artists_to_fix(&self) -> bool {
        !matches!(self, MasterError::Io(_) | MasterError::Encode(_))
    }
}

/// 22050 → "22.05", 44100 → "44.1", 8000 → "8".
fn khz(rate: u32) -> String {
    let s = format!("{:.3}", f64::from(rate) / 1000.0);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn seconds(ms: i64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

fn channels_message(channels: u32) -> String {
    match channels {
        1 => "This file is mono; masters must be stereo.".to_string(),
        n => format!("This file has {n} channels; masters must be stereo (2 channels)."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_well() {
        assert_eq!(MasterError::SampleRateTooLow(22050).to_string(), "22.05 kHz is below the 44.1 kHz minimum.");
        assert_eq!(MasterError::SampleRateTooHigh(384000).to_string(), "384 kHz is above the 192 kHz maximum.");
        assert_eq!(MasterError::Channels(1).to_string(), "This file is mono; masters must be stereo.");
        assert_eq!(MasterError::BitDepth(8).to_string(), "8-bit audio is not accepted; masters must be 16- or 24-bit.");
        assert_eq!(
            MasterError::WrongFormat { what: "an MP3" }.to_string(),
            "This is an MP3. Upload the lossless master as WAV or FLAC."
        );
        assert_eq!(
            MasterError::TooShort { duration_ms: 500 }.to_string(),
            "The audio is only 0.5 s long; a master must be at least 1 second."
        );
        assert!(!MasterError::Io(std::io::Error::other("x")).is_artists_to_fix());
        assert!(MasterError::Truncated.is_artists_to_fix());
    }
}
