//! One streaming pass over an uploaded master: identify, validate, decode, measure, hash.
//!
//! Memory is bounded: symphonia reads through a small ring buffer, one decoded packet (a few
//! thousand frames) is held at a time, and the hashes are fed from the same reads, so a 2 GB
//! master costs the same few hundred kilobytes as a 20 MB one.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use ebur128::{EbuR128, Mode};
use md5::Md5;
use sha2::{Digest, Sha256};
use symphonia::core::codecs::audio::well_known::{
    CODEC_ID_FLAC, CODEC_ID_PCM_S16LE, CODEC_ID_PCM_S24LE, CODEC_ID_PCM_S32LE, CODEC_ID_PCM_U8,
};
use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;

use super::MasterError;

/// Lowest accepted sample rate (CD quality).
pub const MIN_SAMPLE_RATE: u32 = 44_100;
/// Highest accepted sample rate; above this files are huge and no store asks for them.
pub const MAX_SAMPLE_RATE: u32 = 192_000;
/// Shortest accepted master.
pub const MIN_DURATION_MS: i64 = 1_000;
/// Longest accepted master.
pub const MAX_DURATION_MS: i64 = 30 * 60 * 1_000;

/// Container of an accepted master, identified by content (never by file name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MasterFormat {
    /// RIFF/WAVE with integer PCM.
    Wav,
    /// Native FLAC stream (`fLaC` magic).
    Flac,
}

impl MasterFormat {
    /// Short lowercase name, suitable for a file extension or a database column.
    pub fn as_str(self) -> &'static str {
        match self {
            MasterFormat::Wav => "wav",
            MasterFormat::Flac => "flac",
        }
    }

    /// MIME type to serve the untouched master with.
    pub fn mime(self) -> &'static str {
        match self {
            MasterFormat::Wav => "audio/wav",
            MasterFormat::Flac => "audio/flac",
        }
    }

    fn display_name(self) -> &'static str {
        match self {
            MasterFormat::Wav => "WAV",
            MasterFormat::Flac => "FLAC",
        }
    }
}

/// Everything learned about an accepted master in one pass.
#[derive(Debug, Clone, PartialEq)]
pub struct MasterInfo {
    /// Container.
    pub format: MasterFormat,
    /// Frames per second (44 100 ..= 192 000).
    pub sample_rate: u32,
    /// 16 or 24.
    pub bits_per_sample: u32,
    /// Always 2 for an accepted master; kept so callers need not assume it.
    pub channels: u32,
    /// Decoded sample frames (one frame = one sample per channel).
    pub frames: u64,
    /// `frames` in milliseconds, rounded down.
    pub duration_ms: i64,
    /// EBU R128 integrated loudness in LUFS; `None` for digital silence (the gated measurement is
    /// −∞, which neither JSON nor a sort order handles well).
    pub integrated_lufs: Option<f64>,
    /// Highest EBU R128 true peak over both channels, in dBTP. `f64::NEG_INFINITY` only for digital
    /// silence (which `warnings` already reports).
    pub true_peak_dbtp: f64,
    /// SHA-256 of the file's bytes, lowercase hex (content address / dedup key).
    pub sha256_hex: String,
    /// MD5 of the file's bytes, lowercase hex (what distributors and S3 ETags use).
    pub md5_hex: String,
    /// File size in bytes.
    pub bytes: u64,
}

/// Validates and measures the master at `path` without modifying it.
///
/// One streaming pass: the container is sniffed from its first bytes, then every packet is
/// decoded and fed to the loudness meter, while the same reads feed SHA-256 and MD5. Fails with a
/// [`MasterError`] whose message can be shown to the artist.
pub fn probe_master(path: &Path) -> Result<MasterInfo, MasterError> {
    let mut file = File::open(path)?;
    let bytes = file.metadata()?.len();
    let format = sniff(&mut file, bytes)?;

    let hashes = Arc::new(Mutex::new(Hashes::default()));
    let source = HashingSource { file, pos: 0, len: bytes, hashes: Arc::clone(&hashes) };
    let mut opened = open(Box::new(source), format)?;

    // TRUE_PEAK oversamples 4x below 96 kHz and 2x below 192 kHz; it is most of the meter's cost.
    let mut meter = EbuR128::new(opened.channels, opened.sample_rate, Mode::I | Mode::TRUE_PEAK)
        .map_err(|e| MasterError::Encode(format!("loudness meter: {e}")))?;
    let frames = opened.decode_all(|samples| {
        meter.add_frames_i32(samples).map_err(|e| MasterError::Encode(format!("loudness meter: {e}")))
    })?;

    let lufs = meter.loudness_global().ok().filter(|l| l.is_finite());
    let peak = (0..opened.channels).filter_map(|ch| meter.true_peak(ch).ok()).fold(0.0_f64, f64::max);

    // The reader may stop before the end (trailing WAV chunks) or seek around (FLAC); hash
    // whatever it did not read in order, then finish.
    drop(opened.format); // releases the reader's handle on `hashes`.
    let hashes = Arc::try_unwrap(hashes)
        .map_err(|_| MasterError::Encode("hash state still shared".into()))?
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    let (sha256_hex, md5_hex) = hashes.finish(path, bytes)?;

    Ok(MasterInfo {
        format,
        sample_rate: opened.sample_rate,
        bits_per_sample: opened.bits_per_sample,
        channels: opened.channels,
        frames,
        duration_ms: frames_to_ms(frames, opened.sample_rate),
        integrated_lufs: lufs,
        true_peak_dbtp: 20.0 * peak.log10(),
        sha256_hex,
        md5_hex,
        bytes,
    })
}

pub(crate) fn frames_to_ms(frames: u64, sample_rate: u32) -> i64 {
    i64::try_from(u128::from(frames) * 1000 / u128::from(sample_rate.max(1))).unwrap_or(i64::MAX)
}

/// Identifies the container from the first bytes, naming common wrong formats specifically.
///
/// Done by hand (rather than by enabling symphonia's MP3/AAC/Ogg features) so that refusing an
/// MP3 costs no decoder code, and so that the artist hears "this is an MP3", not "unsupported".
pub(crate) fn sniff(file: &mut File, len: u64) -> Result<MasterFormat, MasterError> {
    if len == 0 {
        return Err(MasterError::Empty);
    }
    let mut head = [0u8; 12];
    let n = read_up_to(file, &mut head)?;
    let head = &head[..n];
    let result = classify(head);
    // An ID3v2 tag can precede a FLAC stream (non-standard but seen in the wild) or an MP3.
    let result = match result {
        Err(MasterError::WrongFormat { what: MP3 }) if head.starts_with(b"ID3") && n >= 10 => {
            let size = head[6..10].iter().fold(0u64, |acc, b| (acc << 7) | u64::from(b & 0x7f));
            file.seek(SeekFrom::Start(10 + size))?;
            let mut after = [0u8; 4];
            if read_up_to(file, &mut after)? == 4 && &after == b"fLaC" {
                Err(MasterError::UnsupportedEncoding(
                    "This FLAC file starts with an ID3 tag, which many players reject. Export it again without ID3 \
                     tags (use FLAC's own tags).",
                ))
            } else {
                result
            }
        }
        other => other,
    };
    file.seek(SeekFrom::Start(0))?;
    result
}

const MP3: &str = "an MP3";

fn classify(h: &[u8]) -> Result<MasterFormat, MasterError> {
    let wrong = |what| Err(MasterError::WrongFormat { what });
    let at = |off: usize, magic: &[u8]| h.len() >= off + magic.len() && &h[off..off + magic.len()] == magic;
    if at(0, b"RIFF") && at(8, b"WAVE") {
        Ok(MasterFormat::Wav)
    } else if at(0, b"fLaC") {
        Ok(MasterFormat::Flac)
    } else if (at(0, b"RF64") || at(0, b"BW64")) && at(8, b"WAVE") {
        Err(MasterError::UnsupportedEncoding(
            "This is an RF64/BW64 WAV, which browsers and our tools cannot read. Export a standard WAV or a FLAC.",
        ))
    } else if at(0, b"ID3") {
        wrong(MP3)
    } else if h.len() >= 2 && h[0] == 0xFF && h[1] & 0xF0 == 0xF0 && h[1] & 0x06 == 0 {
        wrong("an AAC file") // ADTS: MPEG sync word with layer bits 00.
    } else if h.len() >= 2 && h[0] == 0xFF && h[1] & 0xE0 == 0xE0 && h[1] & 0x06 != 0 {
        wrong(MP3) // MPEG audio frame sync (layer I/II/III).
    } else if at(0, b"OggS") {
        wrong("an Ogg (Vorbis or Opus) file")
    } else if at(4, b"ftyp") {
        wrong("an M4A/MP4 (AAC or ALAC) file")
    } else if at(0, b"FORM") && (at(8, b"AIFF") || at(8, b"AIFC")) {
        wrong("an AIFF file")
    } else if at(0, &[0x1A, 0x45, 0xDF, 0xA3]) {
        wrong("a WebM/Matroska file")
    } else if at(0, b"caff") {
        wrong("a Core Audio (CAF) file")
    } else if at(0, b"wvpk") {
        wrong("a WavPack file")
    } else if at(0, b"MAC ") {
        wrong("a Monkey's Audio (APE) file")
    } else if at(0, b"0&\xB2\x75\x8E\x66\xCF\x11") {
        wrong("a Windows Media (WMA) file")
    } else {
        Err(MasterError::NotAudio)
    }
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// A master opened for decoding, with its format already validated.
pub(crate) struct Opened {
    pub format: Box<dyn FormatReader + 'static>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    pub sample_rate: u32,
    pub bits_per_sample: u32,
    pub channels: u32,
    /// Frame count promised by the header (WAV data chunk length, FLAC STREAMINFO), if any.
    expected_frames: Option<u64>,
}

/// Opens `source` (already sniffed as `kind`) and checks codec, bit depth, rate and channels.
pub(crate) fn open(source: Box<dyn MediaSource>, kind: MasterFormat) -> Result<Opened, MasterError> {
    let mss = MediaSourceStream::new(source, Default::default());
    let mut hint = Hint::new();
    hint.with_extension(kind.as_str());
    let unreadable = |e: SymphoniaError| match e {
        SymphoniaError::IoError(e) if e.kind() == io::ErrorKind::UnexpectedEof => MasterError::Truncated,
        SymphoniaError::IoError(e) => MasterError::Io(e),
        _ => MasterError::Unreadable(kind.display_name()),
    };
    let format = symphonia::default::get_probe()
        .probe(&hint, mss, FormatOptions::default(), MetadataOptions::default())
        .map_err(unreadable)?;
    let track = format.default_track(TrackType::Audio).ok_or(MasterError::Unreadable(kind.display_name()))?;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or(MasterError::Unreadable(kind.display_name()))?
        .clone();

    let codec = params.codec;
    let bits = params.bits_per_sample.unwrap_or(0);
    if ![CODEC_ID_PCM_S16LE, CODEC_ID_PCM_S24LE, CODEC_ID_PCM_S32LE, CODEC_ID_PCM_U8, CODEC_ID_FLAC].contains(&codec) {
        return Err(MasterError::UnsupportedEncoding(
            "This WAV does not hold plain integer PCM (it may be 32-bit float or compressed). Export 16- or 24-bit \
             PCM WAV, or FLAC.",
        ));
    }
    if bits != 16 && bits != 24 {
        return Err(MasterError::BitDepth(bits));
    }
    let sample_rate = params.sample_rate.ok_or(MasterError::Unreadable(kind.display_name()))?;
    if sample_rate < MIN_SAMPLE_RATE {
        return Err(MasterError::SampleRateTooLow(sample_rate));
    }
    if sample_rate > MAX_SAMPLE_RATE {
        return Err(MasterError::SampleRateTooHigh(sample_rate));
    }
    let channels = params.channels.as_ref().map_or(0, |c| c.count()) as u32;
    if channels != 2 {
        return Err(MasterError::Channels(channels));
    }
    // FLAC's STREAMINFO may say 0 ("unknown"); symphonia reports that as None or Some(0).
    let expected_frames = track.num_frames.filter(|&n| n > 0);
    if let Some(n) = expected_frames {
        let ms = frames_to_ms(n, sample_rate);
        if ms > MAX_DURATION_MS {
            return Err(MasterError::TooLong { duration_ms: ms });
        }
    }
    let track_id = track.id;
    // verify: FLAC checks the decoded audio against the MD5 in STREAMINFO at the end.
    let opts = AudioDecoderOptions::default().verify(true);
    let decoder = symphonia::default::get_codecs().make_audio_decoder(&params, &opts).map_err(unreadable)?;
    Ok(Opened { format, decoder, track_id, sample_rate, bits_per_sample: bits, channels, expected_frames })
}

impl Opened {
    /// Decodes every packet, handing each as interleaved `i32` at full scale (a 16-bit sample
    /// `s` arrives as `s << 16`, a 24-bit one as `s << 8`). Returns the frame count.
    ///
    /// Any decode error, an end of file inside the data, fewer frames than the header promised
    /// or a failed FLAC MD5 check is [`MasterError::Truncated`]; too short/long is checked here.
    pub fn decode_all(&mut self, mut sink: impl FnMut(&[i32]) -> Result<(), MasterError>) -> Result<u64, MasterError> {
        let max_frames = u64::try_from(MAX_DURATION_MS).unwrap_or(u64::MAX) * u64::from(self.sample_rate) / 1000;
        let mut buf: Vec<i32> = Vec::new();
        let mut frames = 0u64;
        loop {
            let packet = match self.format.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) => break,
                Err(SymphoniaError::IoError(e)) if e.kind() != io::ErrorKind::UnexpectedEof => {
                    return Err(MasterError::Io(e));
                }
                Err(_) => return Err(MasterError::Truncated),
            };
            if packet.track_id != self.track_id {
                continue;
            }
            let decoded = self.decoder.decode(&packet).map_err(|_| MasterError::Truncated)?;
            decoded.copy_to_vec_interleaved(&mut buf);
            frames += (buf.len() / self.channels as usize) as u64;
            if frames > max_frames {
                return Err(MasterError::TooLong { duration_ms: frames_to_ms(frames, self.sample_rate) });
            }
            sink(&buf)?;
        }
        if self.expected_frames.is_some_and(|n| frames < n) || self.decoder.finalize().verify_ok == Some(false) {
            return Err(MasterError::Truncated);
        }
        let duration_ms = frames_to_ms(frames, self.sample_rate);
        if duration_ms < MIN_DURATION_MS {
            return Err(MasterError::TooShort { duration_ms });
        }
        Ok(frames)
    }
}

/// Running digests plus how far into the file they have consumed, in order.
#[derive(Default)]
struct Hashes {
    sha256: Sha256,
    md5: Md5,
    /// Bytes `0..hashed` have been fed to both digests.
    hashed: u64,
}

impl Hashes {
    fn update(&mut self, bytes: &[u8]) {
        self.sha256.update(bytes);
        self.md5.update(bytes);
        self.hashed += bytes.len() as u64;
    }

    /// Hashes any bytes the decoder did not read in order (usually none, or a few trailing
    /// chunks), then returns (sha256, md5) as lowercase hex.
    fn finish(mut self, path: &Path, len: u64) -> Result<(String, String), MasterError> {
        if self.hashed < len {
            let mut file = File::open(path)?;
            file.seek(SeekFrom::Start(self.hashed))?;
            let mut buf = vec![0u8; 256 * 1024];
            loop {
                let n = read_up_to(&mut file, &mut buf)?;
                if n == 0 {
                    break;
                }
                self.update(&buf[..n]);
            }
        }
        Ok((hex(&self.sha256.finalize()), hex(&self.md5.finalize())))
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The master file as symphonia sees it, hashing bytes as they stream past.
///
/// Reads that continue exactly where hashing left off are hashed; re-reads after a backward seek
/// are skipped; a forward seek leaves a gap that [`Hashes::finish`] fills from disk. So the
/// digests are always of the whole file, and in the common case the file is read only once.
struct HashingSource {
    file: File,
    pos: u64,
    len: u64,
    hashes: Arc<Mutex<Hashes>>,
}

impl Read for HashingSource {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        let (start, end) = (self.pos, self.pos + n as u64);
        let mut h = self.hashes.lock().unwrap_or_else(PoisonError::into_inner);
        if start <= h.hashed && h.hashed < end {
            let skip = (h.hashed - start) as usize;
            h.update(&buf[skip..n]);
        }
        self.pos = end;
        Ok(n)
    }
}

impl Seek for HashingSource {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = self.file.seek(to)?;
        Ok(self.pos)
    }
}

impl MediaSource for HashingSource {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        Some(self.len)
    }
}
