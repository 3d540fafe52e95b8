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
        let head = webm::parse(&data, size)?;
        // The header's Duration is only a claim: the frames' own timestamps
        // say how long the video plays.
        let mut reader = Window::new(media, key, size);
        let frames_ms = webm::last_frame_ms(&mut reader, &head).await?;
        let duration_ms = head.info.duration_ms.max(frames_ms);
        if duration_ms == 0 {
            return Err(ProbeError::NoDuration);
        }
        return Ok(VideoInfo { duration_ms, ..head.info });
    }
    let mut reader = Window::new(media, key, size);
    let (moov, container, after_moov) = find_moov(&mut reader).await?;
    let (info, fragments) = mp4::parse_moov(&moov, container)?;
    // A fragmented file keeps its samples in `moof` boxes after the `moov`.
    let fragments_ms = match fragments {
        Some(tracks) => fragments_duration_ms(&mut reader, after_moov, &tracks).await?,
        None => 0,
    };
    let duration_ms = info.duration_ms.max(fragments_ms);
    if duration_ms == 0 {
        return Err(ProbeError::NoDuration);
    }
    Ok(VideoInfo { duration_ms, ..info })
}

/// The largest `moof` box read into memory.
const MAX_MOOF: u64 = 4 * 1024 * 1024;

/// The longest track of a fragmented MP4, from the sample durations of
/// every `moof` box after `offset` (walked by box headers).
async fn fragments_duration_ms(
    reader: &mut Window<'_>,
    mut offset: u64,
    tracks: &mp4::FragmentTracks,
) -> Result<u64, ProbeError> {
    let mut ends = mp4::FragmentEnds::default();
    while offset < reader.size {
        let remaining = reader.size - offset;
        let (box_type, box_size, header_len) =
            mp4::box_header(reader.at(offset, 16).await?, remaining).ok_or(ProbeError::Truncated)?;
        if box_size > remaining {
            return Err(ProbeError::Truncated);
        }
        if &box_type == b"moof" {
            if box_size > MAX_MOOF {
                return Err(ProbeError::NotAVideo);
            }
            // Through the window: many small fragments cost few reads.
            ends.add_moof(reader.at(offset + header_len, box_size - header_len).await?, tracks);
        }
        offset += box_size;
    }
    Ok(ends.longest_ms(tracks))
}

/// Ranged reads through a window, so walking many small elements costs
/// few requests to the store.
struct Window<'a> {
    media: &'a Media,
    key: &'a MediaKey,
    size: u64,
    start: u64,
    data: Bytes,
}

/// How much one read of a [`Window`] fetches.
const WINDOW: u64 = 256 * 1024;

impl<'a> Window<'a> {
    fn new(media: &'a Media, key: &'a MediaKey, size: u64) -> Window<'a> {
        Window { media, key, size, start: 0, data: Bytes::new() }
    }

    /// Up to `len` bytes at `offset` (fewer at the end of the file).
    async fn at(&mut self, offset: u64, len: u64) -> Result<&[u8], ProbeError> {
        let offset = offset.min(self.size);
        let end = offset.saturating_add(len).min(self.size);
        if offset < self.start || end > self.start + self.data.len() as u64 {
            let fetch = (end - offset).max(WINDOW).min(self.size - offset);
            self.data = read(self.media, self.key, offset, fetch).await?;
            self.start = offset;
        }
        let (from, to) = ((offset - self.start) as usize, (end - self.start) as usize);
        self.data.get(from..to).ok_or(ProbeError::Storage)
    }
}

async fn read(media: &Media, key: &MediaKey, offset: u64, len: u64) -> Result<Bytes, ProbeError> {
    if len == 0 {
        return Ok(Bytes::new());
    }
    media.get_range(key, offset..offset + len).await.map_err(|_| ProbeError::Storage)
}

/// Walks the top-level boxes (reading only their headers) to the `moov` box.
/// Returns the `moov` payload, the container, and where the `moov` box ends.
/// Headers are read through the window, so many small boxes cost few reads.
async fn find_moov(reader: &mut Window<'_>) -> Result<(Bytes, &'static str, u64), ProbeError> {
    let (media, key, size) = (reader.media, reader.key, reader.size);
    let mut offset = 0u64;
    let mut container = "mp4";
    let mut first = true;
    while offset < size {
        let header = reader.at(offset, 16).await?;
        let (box_type, box_size, header_len) = mp4::box_header(header, size - offset).ok_or(if first {
            ProbeError::NotAVideo
        } else {
            ProbeError::Truncated
        })?;
        if first {
            match &box_type {
                b"ftyp" => {
                    let brand = reader.at(offset + header_len, 4).await?;
                    if brand == b"qt  " {
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
            return Ok((moov, container, offset + box_size));
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

    /// `ticks` of a `scale`-per-second clock in milliseconds (None without a clock).
    fn ms(ticks: u64, scale: u32) -> Option<u64> {
        (scale > 0).then(|| u64::try_from(u128::from(ticks) * 1000 / u128::from(scale)).unwrap_or(u64::MAX))
    }

    /// The decode time after the last sample: the sum of the sample
    /// durations in the `stts` table (in the media's timescale). This is
    /// what players follow, whatever the headers claim.
    fn sample_table_ticks(stts: &[u8]) -> Option<u64> {
        let count = usize::try_from(u32_at(stts, 4)?).ok()?;
        let entries = stts.get(8..)?;
        // A count larger than the box is a lie; the entries present are summed.
        Some(entries.chunks_exact(8).take(count).fold(0u64, |total, entry| {
            let samples = u64::from(u32::from_be_bytes([entry[0], entry[1], entry[2], entry[3]]));
            let delta = u64::from(u32::from_be_bytes([entry[4], entry[5], entry[6], entry[7]]));
            total.saturating_add(samples.saturating_mul(delta))
        }))
    }

    /// The presentation length an edit list asks for (in the movie's timescale).
    fn edit_list_ticks(elst: &[u8]) -> Option<u64> {
        let version = *elst.first()?;
        let count = usize::try_from(u32_at(elst, 4)?).ok()?;
        let width = if version == 1 { 20 } else { 12 };
        Some(elst.get(8..)?.chunks_exact(width).take(count).fold(0u64, |total, entry| {
            let duration = if version == 1 { u64_at(entry, 0) } else { u32_at(entry, 0).map(u64::from) };
            total.saturating_add(duration.unwrap_or(0))
        }))
    }

    /// A track's length: the longest of what its header, its sample table
    /// and its edit list say, so a patched header cannot shorten it.
    fn track_duration_ms(trak: &[u8], mdia: &[u8], movie_scale: u32) -> Option<u64> {
        let (scale, header) = child(mdia, b"mdhd").and_then(time)?;
        let stbl = child(child(mdia, b"minf")?, b"stbl")?;
        let samples = child(stbl, b"stts").and_then(sample_table_ticks).unwrap_or(0);
        let edits = child(trak, b"edts").and_then(|e| child(e, b"elst")).and_then(edit_list_ticks).unwrap_or(0);
        let longest = ms(header.max(samples), scale)?;
        Some(longest.max(ms(edits, movie_scale).unwrap_or(0)))
    }

    fn track(trak: &[u8], movie_scale: u32) -> Option<Track> {
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
        let duration_ms = track_duration_ms(trak, mdia, movie_scale);
        let stsd = child(child(child(mdia, b"minf")?, b"stbl")?, b"stsd")?;
        let (codec, entry) = children(stsd.get(8..)?).next()?;
        let coded_size = (
            u32::from(u16::from_be_bytes(entry.get(24..26)?.try_into().ok()?)),
            u32::from(u16::from_be_bytes(entry.get(26..28)?.try_into().ok()?)),
        );
        Some(Track { handler, width, height, rotation, codec, coded_size, duration_ms })
    }

    /// The header's view of the video (`duration_ms` may be 0 when only
    /// fragments tell), and the tracks' clocks when the file is fragmented.
    pub fn parse_moov(moov: &[u8], container: &'static str) -> Result<(VideoInfo, Option<FragmentTracks>), ProbeError> {
        let (movie_scale, movie_ticks) = child(moov, b"mvhd").and_then(time).unwrap_or((0, 0));
        let mvex = child(moov, b"mvex");
        // `mehd`: the fragmented movie's total length, in the movie's timescale.
        let fragmented_ticks = mvex.and_then(|m| child(m, b"mehd")).and_then(versioned_value).unwrap_or(0);
        let movie_ms = ms(movie_ticks.max(fragmented_ticks), movie_scale);
        let fragments = mvex.map(|mvex| fragment_tracks(moov, mvex));
        let tracks: Vec<Track> =
            children(moov).filter(|(t, _)| t == b"trak").filter_map(|(_, trak)| track(trak, movie_scale)).collect();
        // The movie lasts as long as its longest track (audio may outlast the picture).
        let longest_track = tracks.iter().filter_map(|t| t.duration_ms).max();
        let video = tracks.into_iter().find(|t| &t.handler == b"vide").ok_or(ProbeError::NoVideoTrack)?;
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
        let duration_ms = longest_track.max(movie_ms).unwrap_or(0);
        Ok((VideoInfo { container, codec, width, height, rotation: video.rotation, duration_ms }, fragments))
    }

    fn versioned_value(mehd: &[u8]) -> Option<u64> {
        match mehd.first()? {
            1 => u64_at(mehd, 4),
            _ => u32_at(mehd, 4).map(u64::from),
        }
    }

    /// Per track id of a fragmented file: its timescale and default sample duration (`trex`).
    #[derive(Default)]
    pub struct FragmentTracks {
        tracks: std::collections::HashMap<u32, (u32, u32)>,
    }

    fn fragment_tracks(moov: &[u8], mvex: &[u8]) -> FragmentTracks {
        let mut tracks = std::collections::HashMap::new();
        for (_, trak) in children(moov).filter(|(t, _)| t == b"trak") {
            let id = child(trak, b"tkhd").and_then(|t| u32_at(t, if t.first() == Some(&1) { 20 } else { 12 }));
            let scale = child(trak, b"mdia").and_then(|m| child(m, b"mdhd")).and_then(time).map(|(s, _)| s);
            if let (Some(id), Some(scale)) = (id, scale) {
                tracks.insert(id, (scale, 0));
            }
        }
        for (_, trex) in children(mvex).filter(|(t, _)| t == b"trex") {
            if let (Some(id), Some(duration)) = (u32_at(trex, 4), u32_at(trex, 12))
                && let Some(track) = tracks.get_mut(&id)
            {
                track.1 = duration;
            }
        }
        FragmentTracks { tracks }
    }

    /// Per track id: the decode time after its latest sample so far.
    #[derive(Default)]
    pub struct FragmentEnds {
        next: std::collections::HashMap<u32, u64>,
        latest: std::collections::HashMap<u32, u64>,
    }

    impl FragmentEnds {
        pub fn add_moof(&mut self, moof: &[u8], tracks: &FragmentTracks) {
            for (_, traf) in children(moof).filter(|(t, _)| t == b"traf") {
                let Some(tfhd) = child(traf, b"tfhd") else { continue };
                let Some(id) = u32_at(tfhd, 4) else { continue };
                let default = tfhd_default_duration(tfhd).or(tracks.tracks.get(&id).map(|t| t.1)).unwrap_or(0);
                let start = child(traf, b"tfdt").and_then(versioned_value);
                let mut at = start.or(self.next.get(&id).copied()).unwrap_or(0);
                for (_, trun) in children(traf).filter(|(t, _)| t == b"trun") {
                    at = at.saturating_add(trun_ticks(trun, default));
                }
                self.next.insert(id, at);
                let latest = self.latest.entry(id).or_default();
                *latest = (*latest).max(at);
            }
        }

        pub fn longest_ms(&self, tracks: &FragmentTracks) -> u64 {
            let track_ms = |(id, ticks): (&u32, &u64)| ms(*ticks, tracks.tracks.get(id)?.0);
            self.latest.iter().filter_map(track_ms).max().unwrap_or(0)
        }
    }

    /// `tfhd`'s default sample duration, when its flags say it is present.
    fn tfhd_default_duration(tfhd: &[u8]) -> Option<u32> {
        let flags = u32_at(tfhd, 0)? & 0x00FF_FFFF;
        if flags & 0x08 == 0 {
            return None;
        }
        let mut at = 8;
        if flags & 0x01 != 0 {
            at += 8;
        }
        if flags & 0x02 != 0 {
            at += 4;
        }
        u32_at(tfhd, at)
    }

    /// The summed sample durations of a `trun` (the default for samples without one).
    fn trun_ticks(trun: &[u8], default: u32) -> u64 {
        let Some(flags) = u32_at(trun, 0).map(|f| f & 0x00FF_FFFF) else { return 0 };
        let Some(count) = u32_at(trun, 4) else { return 0 };
        let mut at = 8 + if flags & 0x01 != 0 { 4 } else { 0 } + if flags & 0x04 != 0 { 4 } else { 0 };
        if flags & 0x100 == 0 {
            return u64::from(count).saturating_mul(u64::from(default));
        }
        let fields = [0x100, 0x200, 0x400, 0x800].iter().filter(|f| flags & **f != 0).count() * 4;
        // Only the entries present are summed, whatever the count claims.
        let mut total = 0u64;
        for _ in 0..count {
            let Some(duration) = u32_at(trun, at) else { break };
            total = total.saturating_add(u64::from(duration));
            at += fields;
        }
        total
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

    /// What the first megabyte says: the video, the clock, and where the
    /// Segment's payload lies in the file.
    pub struct Head {
        /// `duration_ms` is the header's claim (0 when it makes none).
        pub info: VideoInfo,
        /// Nanoseconds per timestamp tick.
        pub scale: u64,
        pub segment: std::ops::Range<u64>,
    }

    pub fn parse(data: &[u8], file_size: u64) -> Result<Head, ProbeError> {
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
        let payload_at = (segment_at + header_len) as u64;
        let segment_range = payload_at..segment_size.map_or(file_size, |s| payload_at.saturating_add(s).min(file_size));
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
        let duration_ms = duration.filter(|d| *d > 0.0).map_or(0, |d| (d * scale as f64 / 1_000_000.0) as u64);
        let info = VideoInfo { container: "webm", codec, width, height, rotation: 0, duration_ms };
        Ok(Head { info, scale, segment: segment_range })
    }

    const CLUSTER_TIMESTAMP: u32 = 0xE7;
    const SIMPLE_BLOCK: u32 = 0xA3;
    const BLOCK_GROUP: u32 = 0xA0;
    const BLOCK: u32 = 0xA1;
    /// Level-1 elements: inside a Cluster of unknown size, one of these ends it.
    const LEVEL_1: [u32; 8] = [CLUSTER, 0x114D_9B74, INFO, TRACKS, 0x1C53_BB6B, 0x1043_A770, 0x1254_C367, 0x1941_A469];

    /// The timestamp of the last frame, in ms: every Cluster's own timestamp
    /// (walked by element headers only), and every block of the last
    /// Cluster — or of any Cluster whose size is unknown, since its end is
    /// found only by walking it. A Segment that cannot be walked to its end
    /// counts as cut off.
    pub async fn last_frame_ms(reader: &mut super::Window<'_>, head: &Head) -> Result<u64, ProbeError> {
        let mut latest = 0u64;
        let mut last_cluster = None;
        let mut offset = head.segment.start;
        while offset < head.segment.end {
            let (id, size, header) = element_at(reader, offset).await?;
            let payload = offset + header as u64;
            match (id, size) {
                (CLUSTER, Some(size)) => {
                    let end = payload.saturating_add(size);
                    if end > head.segment.end {
                        return Err(ProbeError::Truncated);
                    }
                    latest = latest.max(cluster_timestamp(reader, payload, end).await?);
                    last_cluster = Some(payload..end);
                    offset = end;
                }
                (CLUSTER, None) => {
                    let (end, last) = walk_blocks(reader, payload..head.segment.end, true).await?;
                    latest = latest.max(last);
                    last_cluster = None;
                    offset = end;
                }
                (_, Some(size)) => offset = payload.saturating_add(size),
                (_, None) => return Err(ProbeError::Truncated),
            }
        }
        if let Some(cluster) = last_cluster {
            latest = latest.max(walk_blocks(reader, cluster, false).await?.1);
        }
        Ok(u64::try_from(u128::from(latest) * u128::from(head.scale) / 1_000_000).unwrap_or(u64::MAX))
    }

    async fn element_at(reader: &mut super::Window<'_>, offset: u64) -> Result<(u32, Option<u64>, usize), ProbeError> {
        element(reader.at(offset, 12).await?).ok_or(ProbeError::Truncated)
    }

    /// A Cluster's Timestamp: its first children, before any block.
    async fn cluster_timestamp(reader: &mut super::Window<'_>, mut offset: u64, end: u64) -> Result<u64, ProbeError> {
        while offset < end {
            let (id, size, header) = element_at(reader, offset).await?;
            let size = size.ok_or(ProbeError::Truncated)?;
            let payload = offset + header as u64;
            match id {
                CLUSTER_TIMESTAMP => return Ok(uint(reader.at(payload, size.min(8)).await?)),
                SIMPLE_BLOCK | BLOCK_GROUP => break,
                _ => offset = payload.saturating_add(size),
            }
        }
        Ok(0)
    }

    /// Walks a Cluster's children from `range.start`: returns where the
    /// Cluster ends and the latest frame timestamp (in ticks) in it. With
    /// `open_ended`, the Cluster's size is unknown: it ends at the next
    /// level-1 element or at `range.end`.
    async fn walk_blocks(
        reader: &mut super::Window<'_>,
        range: std::ops::Range<u64>,
        open_ended: bool,
    ) -> Result<(u64, u64), ProbeError> {
        let (mut offset, mut base, mut latest) = (range.start, 0u64, 0u64);
        while offset < range.end {
            let (id, size, header) = element_at(reader, offset).await?;
            if open_ended && LEVEL_1.contains(&id) {
                break;
            }
            let payload = offset + header as u64;
            let size = size.ok_or(ProbeError::Truncated)?;
            let end = payload.saturating_add(size);
            if end > range.end {
                return Err(ProbeError::Truncated);
            }
            match id {
                CLUSTER_TIMESTAMP => base = uint(reader.at(payload, size.min(8)).await?),
                SIMPLE_BLOCK => latest = latest.max(block_time(reader.at(payload, 12).await?, base)),
                // A BlockGroup's children: its Block carries the timestamp.
                BLOCK_GROUP => {
                    offset = payload;
                    continue;
                }
                BLOCK => latest = latest.max(block_time(reader.at(payload, 12).await?, base)),
                _ => {}
            }
            offset = end;
        }
        Ok((offset, latest.max(base)))
    }

    /// A block's absolute time: the Cluster's base plus the block's signed
    /// 16-bit offset, found after its track number (a variable-size integer).
    fn block_time(block: &[u8], base: u64) -> u64 {
        let Some(first) = block.first() else { return base };
        let track_len = first.leading_zeros() as usize + 1;
        match block.get(track_len..track_len + 2) {
            Some(raw) => base.saturating_add_signed(i64::from(i16::from_be_bytes([raw[0], raw[1]]))),
            None => base,
        }
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
