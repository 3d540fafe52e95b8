// Posting a Bop: the file goes to the server in chunks at explicit offsets,
// so a dropped connection resumes where it stopped; the browser shows bytes,
// percent, speed and time left; the artist picks a poster frame captured
// here from the video itself. A file the server would refuse (too big,
// horizontal, too long) is refused here before a byte is sent.
import { bytes, plural } from "./format.js";
import { ChunkedUpload, studioApi } from "./chunked.js";

const form = document.getElementById("bop-form");
const csrf = encodeURIComponent(form.dataset.csrf);
const maxBytes = Number(form.dataset.maxBytes);
const maxSecs = Number(form.dataset.maxSecs);
const $ = (id) => document.getElementById(id);
const input = $("video"), bar = $("upload-bar"), statusText = $("upload-status");
const publish = $("publish");
const api = studioApi(csrf);
let upload = null;        // the ChunkedUpload of the chosen file
let posterBlob = null;
let generation = 0;       // bumped per chosen file, so late work for an old one is dropped
function showError(field, message) {
  const el = $(field + "-error");
  if (!el) return;
  el.textContent = message || "";
  el.hidden = !message;
}

async function uploadFile(file, mine) {
  $("upload-progress").hidden = false;
  $("upload-cancel").hidden = false;
  upload = new ChunkedUpload({
    csrf, createPath: "/studio/uploads", isCancelled: () => mine !== generation,
    onProgress: (text, percent) => { statusText.textContent = text; if (percent !== null) bar.value = percent; },
  });
  if (await upload.send(file)) finishedUpload(mine);
}

// Back to "no file chosen": no progress, no posters, no cancel button.
function clearUpload() {
  generation += 1;
  if (upload) upload.abort();
  upload = null;
  posterBlob = null;
  publish.disabled = true;
  $("publish-hint").hidden = false;
  bar.value = 0;
  statusText.textContent = "";
  $("upload-progress").hidden = true;
  $("upload-cancel").hidden = true;
  $("frames").innerHTML = "";
  $("poster-field").hidden = true;
}

// A refusal, from here or from the server: say why, and forget the file
// (deleting what the server holds of it).
function refuse(message) {
  const stale = upload;
  clearUpload();
  input.value = "";
  showError("video", message);
  if (stale) stale.discard();
}

// The video's size and length as the browser reads them, or null when it
// cannot play the file (the server then decides).
function readMetadata(file) {
  const video = document.createElement("video");
  video.muted = true;
  video.preload = "metadata";
  video.src = URL.createObjectURL(file);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), 5000);
    video.onloadedmetadata = () => { clearTimeout(timer); resolve(video); };
    video.onerror = () => { clearTimeout(timer); resolve(null); };
  });
}

// Why the server would refuse this video, if it would.
function refusal(video) {
  if (video.videoWidth && video.videoWidth >= video.videoHeight) {
    return `This video is ${video.videoWidth}×${video.videoHeight} (landscape): Bops are vertical. Choose a portrait video.`;
  }
  // A recording without a duration in its header reports Infinity: the server checks it.
  if (Number.isFinite(video.duration) && video.duration > maxSecs) {
    return `This video is ${plural(Math.ceil(video.duration), "second")} long; Bops can be at most ${plural(maxSecs, "second")}.`;
  }
  return null;
}

function finishedUpload(mine) {
  if (mine !== generation) return;
  bar.value = 100;
  statusText.textContent = `Uploaded ${bytes(upload.upload.size)}.`;
  publish.disabled = false;
  $("publish-hint").hidden = true;
}

// Poster frames, captured from the local file.
async function captureFrames(video, mine) {
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const captured = [];
  for (const share of [0.1, 0.35, 0.6, 0.85]) {
    video.currentTime = (Number.isFinite(video.duration) ? video.duration : 1) * share;
    await new Promise((r) => (video.onseeked = r));
    canvas.getContext("2d").drawImage(video, 0, 0);
    captured.push(await new Promise((r) => canvas.toBlob(r, "image/jpeg", 0.85)));
    if (mine !== generation) return;
  }
  const frames = $("frames");
  frames.innerHTML = "";
  for (const [i, blob] of captured.entries()) {
    const label = document.createElement("label");
    label.className = "frame";
    label.innerHTML = `<input type="radio" name="poster_choice" value="${i}"${i === 0 ? " checked" : ""}><img alt="Frame ${i + 1}">`;
    label.querySelector("img").src = URL.createObjectURL(blob);
    label.querySelector("input").addEventListener("change", () => (posterBlob = blob));
    frames.append(label);
  }
  posterBlob = captured[0];
  $("poster-field").hidden = false;
}

input.addEventListener("change", async () => {
  const stale = upload;
  clearUpload();
  showError("video", "");
  if (stale) stale.discard();
  const mine = generation;
  const file = input.files[0];
  if (!file) return;
  if (file.size > maxBytes) return refuse(`The file is ${bytes(file.size)}; the limit is ${bytes(maxBytes)}.`);
  const video = await readMetadata(file);
  if (mine !== generation) return;
  const why = video && refusal(video);
  if (why) return refuse(why);
  if (video) captureFrames(video, mine).catch(() => {});
  uploadFile(file, mine).catch((error) => { if (mine === generation) refuse(error.message); });
});

$("upload-cancel").addEventListener("click", () => {
  const stale = upload;
  clearUpload();
  input.value = "";
  $("upload-progress").hidden = false;
  statusText.textContent = "Upload cancelled.";
  if (stale) stale.discard();
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!upload || !upload.upload || upload.upload.received < upload.upload.size) return;
  ["video", "caption", "poster", "track"].forEach((f) => showError(f, ""));
  const data = new FormData();
  data.append("upload_id", upload.upload.id);
  data.append("caption", $("caption").value);
  data.append("visibility", $("visibility").value);
  if ($("track")) data.append("track", $("track").value);
  if (posterBlob) data.append("poster", posterBlob, "poster.jpg");
  publish.disabled = true;
  try {
    const created = await api("POST", "/studio/bops", data);
    window.location.assign(created.studio_url + "#" + created.id);
  } catch (error) {
    const fields = (error.data && error.data.fields) || {};
    if (fields.video) return refuse(fields.video);
    Object.entries(fields).forEach(([field, message]) => showError(field, message));
    if (!Object.keys(fields).length) showError("video", error.message);
    publish.disabled = false;
  }
});
