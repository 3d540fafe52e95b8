//! The streamable rendition: 16-bit stereo FLAC at the master's sample rate.
//!
//! FLAC is lossless and plays natively in every current browser (Chrome, Firefox, Safari, Edge),
//! so listeners hear the master itself, only reduced to 16 bits. 24-bit masters are reduced with
//! TPDF dither (±1 LSB triangular noise, deterministic seed) rather than plain truncation, which
//! would add correlated distortion to quiet passages; 16-bit masters are copied bit-exactly.
//!
//! Memory is bounded: flacenc's one-shot `encode_with_fixed_block_size` keeps every encoded frame
//! in memory (roughly 10–30 MB per minute at 96 kHz), so instead [`FlacWriter`] encodes one
//! 4096-frame block at a time with `encode_fixed_size_frame`, writes it straight to disk, and
//! rewrites the 42-byte STREAMINFO header at the end once totals and MD5 are known.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use flacenc::bitsink::ByteSink;
use flacenc::component::{BitRepr, Stream};
use flacenc::config;
use flacenc::error::{Verified, Verify};
use flacenc::source::{Context, Fill, FrameBuf};

use super::MasterError;
use super::probe::{frames_to_ms, open, sniff};

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenditionInfo {
    /// Size of the FLAC file.
    pub bytes: u64,
    /// Duration of the audio (same frame count as the master).
    pub duration_ms: i64,
}

/// Writes a browser-playable 16-bit stereo FLAC of `master` to `out` (created or truncated).
///
/// The master is re-validated while it is decoded, so this can be called on its own, but it is
/// normally called after [`super::probe_master`] accepted the file. On error `out` may hold a
/// partial file; the caller should delete it.
pub fn encode_flac_rendition(master: &Path, out: &Path) -> Result<RenditionInfo, MasterError> {
    let mut file = File::open(master)?;
    let len = file.metadata()?.len();
    let kind = sniff(&mut file, len)?;
    let mut opened = open(Box::new(file), kind)?;
    let mut writer = FlacWriter::create(out, opened.sample_rate, opened.channels, 16)?;
    let mut requant = Requantizer::new(opened.bits_per_sample);
    let mut block: Vec<i32> = Vec::new();
    let frames = opened.decode_all(|samples| {
        block.clear();
        block.extend(samples.iter().map(|&s| requant.requantize(s)));
        writer.write_interleaved(&block)
    })?;
    let bytes = writer.finish()?;
    Ok(RenditionInfo { bytes, duration_ms: frames_to_ms(frames, opened.sample_rate) })
}

/// Full-scale `i32` (as decoded) to 16-bit, exact for 16-bit sources and TPDF-dithered otherwise.
struct Requantizer {
    dither: bool,
    rng: u64,
}

impl Requantizer {
    fn new(source_bits: u32) -> Self {
        Requantizer { dither: source_bits > 16, rng: 0x9E37_79B9_7F4A_7C15 }
    }

    /// Uniform in [0, 1) from xorshift64*: plenty for dither, and reproducible run to run.
    fn uniform(&mut self) -> f64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn requantize(&mut self, s: i32) -> i32 {
        if !self.dither {
            return s >> 16;
        }
        let tpdf = self.uniform() - self.uniform(); // triangular on (-1, 1) LSB
        (f64::from(s) / 65536.0 + tpdf).round().clamp(-32768.0, 32767.0) as i32
    }
}

/// Streams integer PCM into a FLAC file, one fixed-size block at a time.
pub(crate) struct FlacWriter {
    out: BufWriter<File>,
    config: Verified<config::Encoder>,
    stream: Stream,
    block_size: usize,
    channels: usize,
    /// Interleaved samples not yet making up a whole block.
    pending: Vec<i32>,
    framebuf_and_context: (FrameBuf, Context),
    sink: ByteSink,
    frame_sizes: Option<(usize, usize)>,
    bytes: u64,
}

impl FlacWriter {
    pub(crate) fn create(path: &Path, sample_rate: u32, channels: u32, bits: u32) -> Result<Self, MasterError> {
        let encode_err = |e: &dyn std::fmt::Debug| MasterError::Encode(format!("{e:?}"));
        let config = config::Encoder::default().into_verified().map_err(|e| encode_err(&e))?;
        let block_size = config.block_size;
        let (rate, ch, bits) = (sample_rate as usize, channels as usize, bits as usize);
        let stream = Stream::new(rate, ch, bits).map_err(|e| encode_err(&e))?;
        let framebuf = FrameBuf::with_size(ch, block_size).map_err(|e| encode_err(&e))?;
        let mut writer = FlacWriter {
            out: BufWriter::new(File::create(path)?),
            config,
            stream,
            block_size,
            channels: ch,
            pending: Vec::with_capacity(block_size * ch * 2),
            framebuf_and_context: (framebuf, Context::new(bits, ch)),
            sink: ByteSink::new(),
            frame_sizes: None,
            bytes: 0,
        };
        // Placeholder header (same length as the final one), rewritten by `finish`.
        writer.write_header()?;
        Ok(writer)
    }

    /// Appends interleaved samples (already in the writer's bit depth).
    pub(crate) fn write_interleaved(&mut self, samples: &[i32]) -> Result<(), MasterError> {
        let mut pending = std::mem::take(&mut self.pending);
        pending.extend_from_slice(samples);
        let whole = self.block_size * self.channels;
        let mut blocks = pending.chunks_exact(whole);
        let result = blocks.try_for_each(|block| self.encode_block(block));
        let used = pending.len() - blocks.remainder().len();
        pending.drain(..used);
        self.pending = pending;
        result
    }

    fn encode_block(&mut self, interleaved: &[i32]) -> Result<(), MasterError> {
        let encode_err = |e: &dyn std::fmt::Debug| MasterError::Encode(format!("{e:?}"));
        let fc = &mut self.framebuf_and_context;
        fc.fill_interleaved(interleaved).map_err(|e| encode_err(&e))?;
        let frame_number = fc.1.current_frame_number().unwrap_or(0);
        let frame = flacenc::encode_fixed_size_frame(&self.config, &fc.0, frame_number, self.stream.stream_info())
            .map_err(|e| encode_err(&e))?;
        self.sink.clear();
        frame.write(&mut self.sink).map_err(|e| encode_err(&e))?;
        let size = self.sink.as_slice().len();
        self.out.write_all(self.sink.as_slice())?;
        self.bytes += size as u64;
        self.frame_sizes = Some(self.frame_sizes.map_or((size, size), |(lo, hi)| (lo.min(size), hi.max(size))));
        Ok(())
    }

    /// Serialises the header-only `Stream`: `fLaC` + STREAMINFO (marked last) = 42 bytes.
    fn write_header(&mut self) -> Result<(), MasterError> {
        let mut sink = ByteSink::new();
        self.stream.write(&mut sink).map_err(|e| MasterError::Encode(format!("{e:?}")))?;
        self.out.write_all(sink.as_slice())?;
        self.bytes += sink.as_slice().len() as u64;
        Ok(())
    }

    /// Encodes the final partial block, fills in STREAMINFO and returns the file size.
    pub(crate) fn finish(mut self) -> Result<u64, MasterError> {
        if !self.pending.is_empty() {
            let rest = std::mem::take(&mut self.pending);
            self.encode_block(&rest)?;
        }
        let encode_err = |e: &dyn std::fmt::Debug| MasterError::Encode(format!("{e:?}"));
        let context = &self.framebuf_and_context.1;
        let info = self.stream.stream_info_mut();
        info.set_md5_digest(&context.md5_digest());
        info.set_total_samples(context.total_samples());
        // Workaround: flacenc's own `Stream::add_frame` lowers min_block_size to the short last
        // block, which the FLAC spec says must not count (min == max marks a fixed-blocksize
        // stream). We never call it and state the fixed size explicitly.
        info.set_block_sizes(self.block_size, self.block_size).map_err(|e| encode_err(&e))?;
        if let Some((lo, hi)) = self.frame_sizes {
            info.set_frame_sizes(lo, hi).map_err(|e| encode_err(&e))?;
        } else {
            info.set_frame_sizes(0, 0).map_err(|e| encode_err(&e))?;
        }
        self.out.flush()?;
        let total = self.bytes;
        self.out.seek(SeekFrom::Start(0))?;
        self.bytes = 0;
        self.write_header()?;
        let mut file = self.out.into_inner().map_err(|e| e.into_error())?;
        file.flush()?;
        file.sync_all()?;
        Ok(total)
    }
}
