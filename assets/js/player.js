// The music player of the fan app: an artist's releases in a sheet, a queue
// that plays on while the feed scrolls, play/pause, seek and next. A stream
// counts after 30 s of play (the industry rule): the player says when a
// track starts and reports its position once 30 s have really been played;
// the server checks both.
const $ = (id) => document.getElementById(id);
const audio = $("player-audio");
let api = null;
let queue = [];      // [{id, title, artist, artwork_url, stream_url, source}]
let index = -1;
let play = null;     // {id, source, playedMs, lastTime, reported}

const clock = (secs) => `${Math.floor(secs / 60)}:${String(Math.floor(secs % 60)).padStart(2, "0")}`;

export function setUpPlayer(apiCall) {
  api = apiCall;
  $("player-toggle").addEventListener("click", () => (audio.paused ? audio.play() : audio.pause()));
  $("player-next").addEventListener("click", next);
  $("player-seek").addEventListener("input", () => {
    if (Number.isFinite(audio.duration)) audio.currentTime = (Number($("player-seek").value) / 1000) * audio.duration;
  });
  audio.addEventListener("play", () => { $("player-toggle").textContent = "⏸"; $("player-toggle").setAttribute("aria-label", "Pause"); });
  audio.addEventListener("pause", () => {
    $("player-toggle").textContent = "▶"; $("player-toggle").setAttribute("aria-label", "Play");
    if (play) play.lastTime = null;
  });
  audio.addEventListener("ended", next);
  audio.addEventListener("timeupdate", progress);
}

// Counts only time actually played: seeking ahead adds nothing.
function progress() {
  if (Number.isFinite(audio.duration) && audio.duration > 0) {
    $("player-seek").value = Math.round((audio.currentTime / audio.duration) * 1000);
    $("player-time").textContent = `${clock(audio.currentTime)} / ${clock(audio.duration)}`;
  }
  if (!play) return;
  const now = audio.currentTime;
  if (play.lastTime !== null && now > play.lastTime && now - play.lastTime < 2) play.playedMs += (now - play.lastTime) * 1000;
  play.lastTime = now;
  if (!play.reported && play.playedMs >= 30000) {
    play.reported = true;
    const mine = play;
    api("POST", `/tracks/${mine.id}/plays`, { position_ms: Math.round(mine.playedMs), source: mine.source })
      .then((outcome) => { if (!outcome.counted) mine.reported = false; mine.playedMs = Math.min(mine.playedMs, 29000); })
      .catch(() => { mine.reported = false; });
  }
}

function start(i) {
  index = i;
  const track = queue[i];
  if (!track) return;
  $("player").hidden = false;
  document.body.classList.add("with-player");
  $("player-title").textContent = track.title;
  $("player-artist").textContent = track.artist || "";
  $("player-art").src = track.artwork_url || "";
  $("player-art").hidden = !track.artwork_url;
  audio.src = track.stream_url;
  play = { id: track.id, source: track.source, playedMs: 0, lastTime: null, reported: false };
  api("POST", `/tracks/${track.id}/plays`, { position_ms: 0, source: track.source }).catch(() => {});
  audio.play().catch(() => {});
}

function next() {
  if (index + 1 < queue.length) start(index + 1);
  else { audio.pause(); play = null; }
}

/// Plays `tracks` from `at`, replacing the queue.
export function playQueue(tracks, at = 0) {
  queue = tracks;
  start(at);
}

/// The sheet of an artist's releases; a release opens its tracks.
export async function openArtistMusic(artist) {
  const list = $("music-list");
  $("music-title").textContent = artist.name || "@" + artist.handle;
  list.innerHTML = "<li>Loading…</li>";
  $("music-dialog").showModal();
  const page = await api("GET", `/artists/${artist.id}/releases?limit=50`);
  list.innerHTML = "";
  if (!page.items.length) list.innerHTML = "<li>No music yet.</li>";
  for (const release of page.items) {
    const item = document.createElement("li");
    item.innerHTML = `<button type="button" class="release"><img alt="" width="56" height="56"><span><strong></strong><small></small></span></button>`;
    item.querySelector("img").src = release.artwork_thumb_url || "";
    item.querySelector("strong").textContent = release.title;
    item.querySelector("small").textContent = `${release.kind.toUpperCase()} · ${release.release_date}`;
    item.querySelector("button").addEventListener("click", () => openRelease(release.id, artist));
    list.append(item);
  }
}

async function openRelease(id, artist) {
  const release = await api("GET", `/releases/${id}`);
  const list = $("music-list");
  $("music-title").textContent = release.title;
  list.innerHTML = "";
  const tracks = release.tracks.map((t) => ({
    id: t.id, title: t.title, artist: artist.name, artwork_url: release.artwork_thumb_url, stream_url: t.stream_url, source: "app",
  }));
  const all = document.createElement("li");
  all.innerHTML = `<button type="button" class="play-all">▶ Play all</button>`;
  all.querySelector("button").addEventListener("click", () => playQueue(tracks, 0));
  list.append(all);
  release.tracks.forEach((t, i) => {
    const item = document.createElement("li");
    item.innerHTML = `<button type="button" class="track"><span class="n"></span><span class="t"></span><small></small></button>`;
    item.querySelector(".n").textContent = i + 1;
    item.querySelector(".t").textContent = t.title + (t.explicit ? " 🅴" : "");
    item.querySelector("small").textContent = clock(t.duration_ms / 1000);
    item.querySelector("button").addEventListener("click", () => playQueue(tracks, i));
    list.append(item);
  });
}
