// Posting a Bop: the file goes to the server in chunks at explicit offsets,
// so a dropped connection resumes where it stopped; the browser shows bytes,
// percent, speed and time left; the artist picks a poster frame captured
// here from the video itself. A file the server would refuse (too big,
// horizontal, too long) is refused here before a byte is sent.
import { bytes, plural } from "./format.js";

const form = document.getElementById("bop-form");
const csrf = encodeURIComponent(form.dataset.csrf);
const maxBytes = Number(form.dataset.maxBytes);
const maxSecs = Number(form.dataset.maxSecs);
const $ = (id) => document.getElementById(id);
const input = $("video"), bar = $("upload-bar"), statusText = $("upload-status");
const publish = $("publish");
let upload = null;        // {id, size, received, chunk}
let xhr = null;
let posterBlob = null;
let generation = 0;       // bumped per chosen file, so late work for an old one is dropped
function showError(field, message) {
  const el = $(field + "-error");
  if (!el) return;
  el.textContent = message || "";
  el.hidden = !message;
}

async function api(method, path, body) {
  const response = await fetch(path + (path.includes("?") ? "&" : "?") + "csrf_token=" + csrf, {
    method, body, headers: body instanceof FormData ? { Accept: "application/json" } : { "Content-Type": "application/json", Accept: "application/json" },
  });
  const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(data.message || "Something went wrong."), { status: response.status, data });
  return data;
}

// The server's JSON `message`, not the raw body, for the artist to read.
function messageOf(request) {
  try { return JSON.parse(request.responseText).message || "The server refused the upload."; }
  catch { return "The server refused the upload."; }
}

function sendChunk(file, started) {
  return new Promise((resolve, reject) => {
    const end = Math.min(upload.received + upload.chunk, upload.size);
    xhr = new XMLHttpRequest();
    xhr.open("PUT", `/studio/uploads/${upload.id}?offset=${upload.received}&csrf_token=${csrf}`);
    xhr.setRequestHeader("Accept", "application/json");
    const base = upload.received;
    xhr.upload.onprogress = (e) => report(base + e.loaded, started);
    xhr.onload = () => (xhr.status < 300 ? resolve(JSON.parse(xhr.responseText)) : reject(Object.assign(new Error(messageOf(xhr)), { status: xhr.status })));
    xhr.onerror = () => reject(new Error("network"));
    xhr.onabort = () => reject(new Error("aborted"));
    xhr.send(file.slice(base, end));
  });
}

function report(sent, started) {
  const seconds = (performance.now() - started.time) / 1000;
  const speed = seconds > 0 ? (sent - started.bytes) / seconds : 0;
  const left = speed > 0 ? Math.ceil((upload.size - sent) / speed) : null;
  bar.value = Math.floor((sent / upload.size) * 100);
  statusText.textContent = `${bytes(sent)} of ${bytes(upload.size)} · ${bar.value}% · ${bytes(speed)}/s` + (left !== null ? ` · ${left} s left` : "");
}

// Direct mode (S3): each part goes to its presigned URL; the bucket answers
// with an ETag, and the server completes the upload from the ETags.
function sendPart(file, index, started, doneBytes) {
  return new Promise((resolve, reject) => {
    const start = index * upload.partSize;
    xhr = new XMLHttpRequest();
    xhr.open("PUT", upload.partUrls[index]);
    xhr.upload.onprogress = (e) => report(doneBytes + e.loaded, started);
    xhr.onload = () => {
      const etag = xhr.getResponseHeader("ETag");
      if (xhr.status >= 300) return reject(Object.assign(new Error("storage refused a part"), { status: 500 }));
      if (!etag) return reject(Object.assign(new Error("no-etag"), { noEtag: true }));
      resolve(etag);
    };
    xhr.onerror = () => reject(new Error("network"));
    xhr.onabort = () => reject(new Error("aborted"));
    xhr.send(file.slice(start, Math.min(start + upload.partSize, upload.size)));
  });
}

async function uploadDirect(file, started, mine) {
  const cancelled = () => mine !== generation;
  const etags = [];
  let failures = 0;
  while (etags.length < upload.partUrls.length && !cancelled()) {
    const done = etags.length * upload.partSize;
    try {
      etags.push(await sendPart(file, etags.length, started, done));
      failures = 0;
    } catch (error) {
      if (cancelled() || error.noEtag) throw error;
      failures += 1;
      if (failures > 8) throw new Error("The connection keeps dropping; try again later.");
      statusText.textContent = `Connection lost — resuming (attempt ${failures})…`;
      await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** failures, 15000)));
    }
  }
  if (cancelled()) return;
  await api("POST", `/studio/uploads/${upload.id}/complete`, JSON.stringify({ etags }));
  upload.received = upload.size;
}

async function uploadFile(file, mine, allowDirect = true) {
  const cancelled = () => mine !== generation;
  $("upload-progress").hidden = false;
  $("upload-cancel").hidden = false;
  const created = await api("POST", "/studio/uploads", JSON.stringify({ size: file.size, direct: allowDirect }));
  if (cancelled()) return api("DELETE", `/studio/uploads/${created.upload_id}`).catch(() => {});
  upload = { id: created.upload_id, size: created.size, received: created.received, chunk: created.chunk_size,
    partSize: created.part_size, partUrls: created.part_urls };
  if (created.mode === "direct") {
    try {
      await uploadDirect(file, { time: performance.now(), bytes: 0 }, mine);
    } catch (error) {
      if (!error.noEtag) throw error;
      // The bucket's CORS rules hide the ETag header: send through the server instead.
      await api("DELETE", `/studio/uploads/${upload.id}`).catch(() => {});
      return uploadFile(file, mine, false);
    }
    return finishedUpload(mine);
  }
  const started = { time: performance.now(), bytes: 0 };
  let failures = 0;
  while (upload.received < upload.size && !cancelled()) {
    try {
      const status = await sendChunk(file, started);
      upload.received = status.received;
      failures = 0;
    } catch (error) {
      if (cancelled()) return;
      if (error.status && error.status !== 409 && error.status < 500) throw error;
      failures += 1;
      if (failures > 8) throw new Error("The connection keeps dropping; try again later.");
      statusText.textContent = `Connection lost — resuming (attempt ${failures})…`;
      await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** failures, 15000)));
      const status = await api("GET", `/studio/uploads/${upload.id}`).catch(() => null);
      if (status) upload.received = status.received;
    }
  }
  finishedUpload(mine);
}

// Back to "no file chosen": no progress, no posters, no cancel button.
function clearUpload() {
  generation += 1;
  if (xhr) xhr.abort();
  xhr = null;
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
  if (stale) api("DELETE", `/studio/uploads/${stale.id}`).catch(() => {});
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
  statusText.textContent = `Uploaded ${bytes(upload.size)}.`;
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
  if (stale) api("DELETE", `/studio/uploads/${stale.id}`).catch(() => {});
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
  if (stale) api("DELETE", `/studio/uploads/${stale.id}`).catch(() => {});
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!upload || upload.received < upload.size) return;
  ["video", "caption", "poster"].forEach((f) => showError(f, ""));
  const data = new FormData();
  data.append("upload_id", upload.id);
  data.append("caption", $("caption").value);
  data.append("visibility", $("visibility").value);
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
