// Which of a Bop's videos to play. The server may have made a lower-bitrate
// rendition for slow connections (`video_low_url`, see README "Low
// renditions"). It is chosen when the browser says the connection is slow —
// Save-Data is on, or the effective type is slow-2g, 2g or 3g — and the
// original otherwise, also where the browser does not say (no
// navigator.connection). Should the rendition fail to load or play, the
// original takes over where it stopped.

const SLOW = ["slow-2g", "2g", "3g"];

export function slowConnection() {
  const connection = navigator.connection;
  if (!connection) return false;
  return connection.saveData === true || SLOW.includes(connection.effectiveType);
}

// Points `video` at the original `url` or the rendition `lowUrl` (which may
// be null) and falls back to the original on a media error of the rendition.
// `video.dataset.source` tells which one plays: "original" or "low".
export function setVideoSource(video, url, lowUrl) {
  if (!lowUrl || !slowConnection()) {
    video.dataset.source = "original";
    video.src = url;
    return;
  }
  video.dataset.source = "low";
  video.addEventListener("error", () => {
    if (video.dataset.source !== "low") return;
    const at = video.currentTime || 0;
    const resume = !video.paused;
    video.dataset.source = "original";
    video.src = url;
    if (at > 0) video.addEventListener("loadedmetadata", () => { video.currentTime = at; }, { once: true });
    if (resume) video.play().catch(() => {});
  }, { once: true });
  video.src = lowUrl;
}
