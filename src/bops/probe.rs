//! Reads what a Bop upload really is from its container header: MP4/MOV
//! (ISO boxes, wherever the `moov` index sits) or WebM/Matroska (EBML).
//! Only headers are read, by ranged reads from the media store, so memory
//! stays bounded whatever the file size.

use bytes::Bytes;

use crate::media::{Media, MediaKey};

/// What an upload is, as far as Bops care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoInfo {
    pub container: &'static str,
    pub codec: &'static str,
    /// Display size, after any rotation in the container.
    pub width: u32,
    pub height: u32,
    pub rotation: u32,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProbeError {
    #[error("This file is not a video we can read. Upload an MP4, MOV or WebM file.")]
    NotAVideo,
    #[error("The file is incomplete — the upload may have been cut off. Please try again.")]
    Truncated,
    #[error("The file has no video track.")]
    NoVideoTrack,
    #[error("Bops use H.264, HEVC, VP8, VP9 or AV1 video; this file is {0}. Export it again in one of those.")]
    Codec(String),
    #[error("The file does not say how long it is; export it again (MP4 works best).")]
    NoDuration,
    #[error("Bops are vertical: this video is {width}×{height}. Rotate or crop it to portrait, e.g. 1080×1920.")]
    NotVertical { width: u32, height: u32 },
    #[error("Bops can be at most {max_secs} seconds long; this video is {secs} seconds.")]
    TooLong { secs: u64, max_secs: u64 },
    #[error("The video could not be read from storage.")]
    Storage,
}

impl VideoInfo {
    /// The type the video is served with. QuickTime files are announced as
    /// MP4: browsers play H.264/HEVC in either, but some refuse
    /// `video/quicktime`.
    pub fn content_type(&self) -> &'static str {
        if self.container == "webm" { "video/webm" } else { "video/mp4" }
    }
}

/// The type an upload's first bytes announce (EBML magic: WebM), to label
/// the object as it is written; the probe at publish has the last word.
pub fn sniff_content_type(head: &[u8]) -> &'static str {
    if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) { "video/webm" } else { "video/mp4" }
}

/// The largest `moov` box read into memory (a few minutes of video need well under 1 MB).
const MAX_MOOV: u64 = 16 * 1024 * 1024;
/// WebM keeps its Info and Tracks near the start.
const WEBM_HEAD: u64 = 1024 * 1024;

/// Probes the object at `key` (of `size` bytes) and checks it is a Bop:
/// a vertical video of a supported codec, at most `max_secs` long.
pub async fn probe_bop(media: &Media, key: &MediaKey, size: u64, max_secs: u64) -> Result<VideoInfo, ProbeError> {
    let info = probe(media, key, size).await?;
    if info.height <= info.width {
        return Err(ProbeError::NotVertical { width: info.width, height: info.height });
    }
    if info.duration_ms > max_secs * 1000 {
        return Err(ProbeError::TooLong { secs: info.duration_ms.div_ceil(1000), max_secs });
    }
    Ok(info)
}

pub async fn probe(media: &Media, key: &MediaKey, size: u64) -> Result<VideoInfo, ProbeError> {
    let head = read(media, key, 0, size.min(64)).await?;
    if head.len() >= 4 && head[..4] == [0x1A, 0x45, 0xDF, 0xA3] {
        let data = read(media, key, 0, size.min(WEBM_HEAD)).await?;
        return webm::parse(&data, size);
    }
    let (moov, container) = find_moov(media, key, size).await?;
    mp4::parse_moov(&moov, container)
}

async fn read(media: &Media, key: &MediaKey, offset: u64, len: u64) -> Result<Bytes, ProbeError> {
    if len == 0 {
        return Ok(Bytes::new());
    }
    media.get_range(key, offset..offset + len).await.map_err(|_| ProbeError::Storage)
}

/// Walks the top-level boxes (reading only their headers) to the `moov` box.
async fn find_moov(media: &Media, key: &MediaKey, size: u64) -> Result<(Bytes, &'static str), ProbeError> {
    let mut offset = 0u64;
    let mut container = "mp4";
    let mut first = true;
    while offset < size {
        let header = read(media, key, offset, (size - offset).min(16)).await?;
        let (box_type, box_size, header_len) = mp4::box_header(&header, size - offset).ok_or(if first {
            ProbeError::NotAVideo
        } else {
            ProbeError::Truncated
        })?;
        if first {
            match &box_type {
                b"ftyp" => {
                    let brand = read(media, key, offset + header_len, 4).await?;
                    if brand.as_ref() == b"qt  " {
                        container = "mov";
                    }
                }
                b"wide" | b"free" | b"skip" | b"mdat" | b"moov" | b"pnot" => container = "mov",
                _ => return Err(ProbeError::NotAVideo),
            }
            first = false;
        }
        if offset.saturating_add(box_size) > size {
            return Err(ProbeError::Truncated);
        }
        if &box_type == b"moov" {
            if box_size > MAX_MOOV {
                return Err(ProbeError::NotAVideo);
            }
            let moov = read(media, key, offset + header_len, box_size - header_len).await?;
            return Ok((moov, container));
        }
        offset += box_size;
    }
    Err(ProbeError::Truncated)
}

mod mp4 {
    use super::{ProbeError, VideoInfo};

    /// `(type, total size, header length)` of the box starting at `data`,
    /// `remaining` bytes before the end of its parent.
    pub fn box_header(data: &[u8], remaining: u64) -> Option<([u8; 4], u64, u64)> {
        if data.len() < 8 {
            return None;
        }
        let size32 = u32::from_be_bytes(data[0..4].try_into().ok()?);
        let box_type: [u8; 4] = data[4..8].try_into().ok()?;
        let (size, header) = match size32 {
            0 => (remaining, 8),
            1 => (u64::from_be_bytes(data.get(8..16)?.try_into().ok()?), 16),
            n => (u64::from(n), 8),
        };
        (size >= header).then_some((box_type, size, header))
    }

    /// The child boxes of a container box's payload.
    fn children(data: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
        let mut offset = 0usize;
        std::iter::from_fn(move || {
            let rest = data.get(offset..)?;
            let (box_type, size, header) = box_header(rest, rest.len() as u64)?;
            let size = usize::try_from(size).ok().filter(|s| *s <= rest.len())?;
            offset += size;
            Some((box_type, &rest[usize::try_from(header).ok()?..size]))
        })
    }

    fn child<'a>(data: &'a [u8], wanted: &[u8; 4]) -> Option<&'a [u8]> {
        children(data).find(|(t, _)| t == wanted).map(|(_, payload)| payload)
    }

    fn u32_at(data: &[u8], at: usize) -> Option<u32> {
        Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
    }

    fn u64_at(data: &[u8], at: usize) -> Option<u64> {
        Some(u64::from_be_bytes(data.get(at..at + 8)?.try_into().ok()?))
    }

    /// `(timescale, duration)` of an `mvhd` or `mdhd` full box.
    fn time(data: &[u8]) -> Option<(u32, u64)> {
        match data.first()? {
            1 => Some((u32_at(data, 20)?, u64_at(data, 24)?)),
            _ => Some((u32_at(data, 12)?, u64::from(u32_at(data, 16)?))),
        }
    }

    struct Track {
        handler: [u8; 4],
        width: u32,
        height: u32,
        rotation: u32,
        codec: [u8; 4],
        coded_size: (u32, u32),
        duration_ms: Option<u64>,
    }

    fn track(trak: &[u8]) -> Option<Track> {
        let tkhd = child(trak, b"tkhd")?;
        let version = *tkhd.first()?;
        let matrix_at = 4 + if version == 1 { 32 } else { 20 } + 8 + 8;
        let m = |i: usize| u32_at(tkhd, matrix_at + 4 * i).map(|v| v as i32);
        let (a, b, c, d) = (m(0)?, m(1)?, m(3)?, m(4)?);
        let rotation = match (a, b, c, d) {
            (0, b, c, 0) if b > 0 && c < 0 => 90,
            (a, 0, 0, d) if a < 0 && d < 0 => 180,
            (0, b, c, 0) if b < 0 && c > 0 => 270,
            _ => 0,
        };
        let width = u32_at(tkhd, matrix_at + 36)? >> 16;
        let height = u32_at(tkhd, matrix_at + 40)? >> 16;
        let mdia = child(trak, b"mdia")?;
        let handler: [u8; 4] = child(mdia, b"hdlr")?.get(8..12)?.try_into().ok()?;
        let duration_ms =
            child(mdia, b"mdhd").and_then(time).and_then(|(scale, d)| (scale > 0).then(|| d * 1000 / u64::from(scale)));
        let stsd = child(child(child(mdia, b"minf")?, b"stbl")?, b"stsd")?;
        let (codec, entry) = children(stsd.get(8..)?).next()?;
        let coded_size = (
            u32::from(u16::from_be_bytes(entry.get(24..26)?.try_into().ok()?)),
            u32::from(u16::from_be_bytes(entry.get(26..28)?.try_into().ok()?)),
        );
        Some(Track { handler, width, height, rotation, codec, coded_size, duration_ms })
    }

    pub fn parse_moov(moov: &[u8], container: &'static str) -> Result<VideoInfo, ProbeError> {
        let movie_ms =
            child(moov, b"mvhd").and_then(time).and_then(|(scale, d)| (scale > 0).then(|| d * 1000 / u64::from(scale)));
        let video = children(moov)
            .filter(|(t, _)| t == b"trak")
            .filter_map(|(_, trak)| track(trak))
            .find(|t| &t.handler == b"vide")
            .ok_or(ProbeError::NoVideoTrack)?;
        let codec = match &video.codec {
            b"avc1" | b"avc3" => "h264",
            b"hvc1" | b"hev1" => "hevc",
            b"av01" => "av1",
            b"vp09" => "vp9",
            b"vp08" => "vp8",
            other => return Err(ProbeError::Codec(String::from_utf8_lossy(other).trim().to_owned())),
        };
        let (mut width, mut height) =
            if video.width > 0 && video.height > 0 { (video.width, video.height) } else { video.coded_size };
        if video.rotation == 90 || video.rotation == 270 {
            std::mem::swap(&mut width, &mut height);
        }
        let duration_ms =
            video.duration_ms.filter(|d| *d > 0).or(movie_ms).filter(|d| *d > 0).ok_or(ProbeError::NoDuration)?;
        Ok(VideoInfo { container, codec, width, height, rotation: video.rotation, duration_ms })
    }
}

mod webm {
    use super::{ProbeError, VideoInfo};

    const EBML: u32 = 0x1A45_DFA3;
    const DOC_TYPE: u32 = 0x4282;
    const SEGMENT: u32 = 0x1853_8067;
    const INFO: u32 = 0x1549_A966;
    const TIMESTAMP_SCALE: u32 = 0x2A_D7B1;
    const DURATION: u32 = 0x4489;
    const TRACKS: u32 = 0x1654_AE6B;
    const TRACK_ENTRY: u32 = 0xAE;
    const TRACK_TYPE: u32 = 0x83;
    const CODEC_ID: u32 = 0x86;
    const VIDEO: u32 = 0xE0;
    const PIXEL_WIDTH: u32 = 0xB0;
    const PIXEL_HEIGHT: u32 = 0xBA;
    const CLUSTER: u32 = 0x1F43_B675;

    /// `(id, payload size or None when unknown, header length)`.
    fn element(data: &[u8]) -> Option<(u32, Option<u64>, usize)> {
        let first = *data.first()?;
        let id_len = first.leading_zeros() as usize + 1;
        if id_len > 4 {
            return None;
        }
        let id = data.get(..id_len)?.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
        let size_first = *data.get(id_len)?;
        let size_len = size_first.leading_zeros() as usize + 1;
        if size_len > 8 {
            return None;
        }
        let bytes = data.get(id_len..id_len + size_len)?;
        let mut size = u64::from(size_first & 0xFFu8.checked_shr(size_len as u32).unwrap_or(0));
        for b in &bytes[1..] {
            size = (size << 8) | u64::from(*b);
        }
        let unknown = size == (1u64 << (7 * size_len)) - 1;
        Some((id, (!unknown).then_some(size), id_len + size_len))
    }

    /// Children of a master element's payload; an unknown-size child runs to the end.
    fn children(data: &[u8]) -> Vec<(u32, &[u8])> {
        let mut out = Vec::new();
        let mut offset = 0;
        while let Some((id, size, header)) = data.get(offset..).and_then(element) {
            let start = offset + header;
            let end = size
                .and_then(|s| usize::try_from(s).ok())
                .map_or(data.len(), |s| start.saturating_add(s).min(data.len()));
            out.push((id, &data[start..end]));
            if id == CLUSTER || end <= offset {
                break;
            }
            offset = end;
        }
        out
    }

    fn uint(data: &[u8]) -> u64 {
        data.iter().take(8).fold(0, |acc, b| (acc << 8) | u64::from(*b))
    }

    fn float(data: &[u8]) -> Option<f64> {
        match data.len() {
            4 => Some(f64::from(f32::from_be_bytes(data.try_into().ok()?))),
            8 => Some(f64::from_be_bytes(data.try_into().ok()?)),
            _ => None,
        }
    }

    pub fn parse(data: &[u8], file_size: u64) -> Result<VideoInfo, ProbeError> {
        let top = children(data);
        let (_, header) = top.iter().find(|(id, _)| *id == EBML).ok_or(ProbeError::NotAVideo)?;
        let doc_type =
            children(header).into_iter().find(|(id, _)| *id == DOC_TYPE).map(|(_, v)| v).unwrap_or(b"matroska");
        if doc_type != b"webm" && doc_type != b"matroska" {
            return Err(ProbeError::NotAVideo);
        }
        let segment_at = data.windows(4).position(|w| w == SEGMENT.to_be_bytes()).ok_or(ProbeError::Truncated)?;
        let (_, segment_size, header_len) = element(&data[segment_at..]).ok_or(ProbeError::Truncated)?;
        if let Some(size) = segment_size
            && ((segment_at + header_len) as u64).saturating_add(size) > file_size
        {
            return Err(ProbeError::Truncated);
        }
        let segment = &data[segment_at + header_len..];
        let mut scale = 1_000_000u64;
        let mut duration = None;
        let mut video = None;
        for (id, payload) in children(segment) {
            match id {
                INFO => {
                    for (id, value) in children(payload) {
                        match id {
                            TIMESTAMP_SCALE => scale = uint(value).max(1),
                            DURATION => duration = float(value),
                            _ => {}
                        }
                    }
                }
                TRACKS => video = video.or_else(|| video_track(payload)),
                _ => {}
            }
        }
        let (codec_id, width, height) = video.ok_or(if (data.len() as u64) < file_size {
            ProbeError::NoVideoTrack
        } else {
            ProbeError::Truncated
        })?;
        let codec = match codec_id.as_str() {
            "V_VP9" => "vp9",
            "V_VP8" => "vp8",
            "V_AV1" => "av1",
            "V_MPEG4/ISO/AVC" => "h264",
            "V_MPEGH/ISO/HEVC" => "hevc",
            other => return Err(ProbeError::Codec(other.to_owned())),
        };
        let duration_ms = duration
            .filter(|d| *d > 0.0)
            .map(|d| (d * scale as f64 / 1_000_000.0) as u64)
            .ok_or(ProbeError::NoDuration)?;
        Ok(VideoInfo { container: "webm", codec, width, height, rotation: 0, duration_ms })
    }

    fn video_track(tracks: &[u8]) -> Option<(String, u32, u32)> {
        children(tracks).into_iter().filter(|(id, _)| *id == TRACK_ENTRY).find_map(|(_, entry)| {
            let fields = children(entry);
            let kind = fields.iter().find(|(id, _)| *id == TRACK_TYPE).map(|(_, v)| uint(v))?;
            if kind != 1 {
                return None;
            }
            let codec = fields
                .iter()
                .find(|(id, _)| *id == CODEC_ID)
                .map(|(_, v)| String::from_utf8_lossy(v).trim_end_matches('\0').to_owned())?;
            let video = fields.iter().find(|(id, _)| *id == VIDEO).map(|(_, v)| children(v))?;
            let dim = |wanted| video.iter().find(|(id, _)| *id == wanted).map(|(_, v)| uint(v) as u32);
            Some((codec, dim(PIXEL_WIDTH)?, dim(PIXEL_HEIGHT)?))
        })
    }
}
