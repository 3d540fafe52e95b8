// Posting a Bop: the file goes to the server in chunks at explicit offsets,
// so a dropped connection resumes where it stopped; the browser shows bytes,
// percent, speed and time left; the artist picks a poster frame captured
// here from the video itself.
const form = document.getElementById("bop-form");
const csrf = encodeURIComponent(form.dataset.csrf);
const maxBytes = Number(form.dataset.maxBytes);
const maxSecs = Number(form.dataset.maxSecs);
const $ = (id) => document.getElementById(id);
const input = $("video"), bar = $("upload-bar"), statusText = $("upload-status");
const publish = $("publish");
let upload = null;        // {id, size, received, chunk}
let xhr = null;
let cancelled = false;
let posterBlob = null;

const mb = (n) => (n >= 1e6 ? (n / 1e6).toFixed(1) + " MB" : Math.ceil(n / 1e3) + " KB");
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

function sendChunk(file, started) {
  return new Promise((resolve, reject) => {
    const end = Math.min(upload.received + upload.chunk, upload.size);
    xhr = new XMLHttpRequest();
    xhr.open("PUT", `/studio/uploads/${upload.id}?offset=${upload.received}&csrf_token=${csrf}`);
    xhr.setRequestHeader("Accept", "application/json");
    const base = upload.received;
    xhr.upload.onprogress = (e) => report(base + e.loaded, started);
    xhr.onload = () => (xhr.status < 300 ? resolve(JSON.parse(xhr.responseText)) : reject(Object.assign(new Error(xhr.responseText), { status: xhr.status })));
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
  statusText.textContent = `${mb(sent)} of ${mb(upload.size)} · ${bar.value}% · ${mb(speed)}/s` + (left !== null ? ` · ${left} s left` : "");
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

async function uploadDirect(file, started) {
  const etags = [];
  let failures = 0;
  while (etags.length < upload.partUrls.length && !cancelled) {
    const done = etags.length * upload.partSize;
    try {
      etags.push(await sendPart(file, etags.length, started, done));
      failures = 0;
    } catch (error) {
      if (cancelled || error.noEtag) throw error;
      failures += 1;
      if (failures > 8) throw new Error("The connection keeps dropping; try again later.");
      statusText.textContent = `Connection lost — resuming (attempt ${failures})…`;
      await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** failures, 15000)));
    }
  }
  if (!cancelled) await api("POST", `/studio/uploads/${upload.id}/complete`, JSON.stringify({ etags }));
  upload.received = upload.size;
}

async function uploadFile(file, allowDirect = true) {
  cancelled = false;
  $("upload-progress").hidden = false;
  const created = await api("POST", "/studio/uploads", JSON.stringify({ size: file.size, direct: allowDirect }));
  upload = { id: created.upload_id, size: created.size, received: created.received, chunk: created.chunk_size,
    partSize: created.part_size, partUrls: created.part_urls };
  if (created.mode === "direct") {
    try {
      await uploadDirect(file, { time: performance.now(), bytes: 0 });
    } catch (error) {
      if (!error.noEtag) throw error;
      // The bucket's CORS rules hide the ETag header: send through the server instead.
      await api("DELETE", `/studio/uploads/${upload.id}`).catch(() => {});
      return uploadFile(file, false);
    }
    return finishedUpload();
  }
  const started = { time: performance.now(), bytes: 0 };
  let failures = 0;
  while (upload.received < upload.size && !cancelled) {
    try {
      const status = await sendChunk(file, started);
      upload.received = status.received;
      failures = 0;
    } catch (error) {
      if (cancelled) return;
      if (error.status && error.status !== 409 && error.status < 500) throw error;
      failures += 1;
      if (failures > 8) throw new Error("The connection keeps dropping; try again later.");
      statusText.textContent = `Connection lost — resuming (attempt ${failures})…`;
      await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** failures, 15000)));
      const status = await api("GET", `/studio/uploads/${upload.id}`).catch(() => null);
      if (status) upload.received = status.received;
    }
  }
  finishedUpload();
}

function finishedUpload() {
  if (cancelled) return;
  bar.value = 100;
  statusText.textContent = `Uploaded ${mb(upload.size)}.`;
  publish.disabled = false;
  $("publish-hint").hidden = true;
}

// Poster frames, captured from the local file.
async function captureFrames(file) {
  const video = document.createElement("video");
  video.muted = true;
  video.preload = "auto";
  video.src = URL.createObjectURL(file);
  await new Promise((resolve, reject) => { video.onloadeddata = resolve; video.onerror = reject; });
  if (video.videoWidth >= video.videoHeight) showError("video", `This video is ${video.videoWidth}×${video.videoHeight}: Bops are vertical, so the server will refuse it.`);
  if (video.duration > maxSecs) showError("video", `This video is ${Math.ceil(video.duration)} s long; Bops can be at most ${maxSecs} s.`);
  const frames = $("frames");
  frames.innerHTML = "";
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  for (const [i, share] of [0.1, 0.35, 0.6, 0.85].entries()) {
    video.currentTime = (video.duration || 1) * share;
    await new Promise((r) => (video.onseeked = r));
    canvas.getContext("2d").drawImage(video, 0, 0);
    const blob = await new Promise((r) => canvas.toBlob(r, "image/jpeg", 0.85));
    const label = document.createElement("label");
    label.className = "frame";
    label.innerHTML = `<input type="radio" name="poster_choice" value="${i}"${i === 0 ? " checked" : ""}><img alt="Frame ${i + 1}">`;
    label.querySelector("img").src = URL.createObjectURL(blob);
    label.querySelector("input").addEventListener("change", () => (posterBlob = blob));
    if (i === 0) posterBlob = blob;
    frames.append(label);
  }
  $("poster-field").hidden = false;
}

input.addEventListener("change", async () => {
  showError("video", "");
  const file = input.files[0];
  if (!file) return;
  if (file.size > maxBytes) return showError("video", `The file is ${mb(file.size)}; the limit is ${mb(maxBytes)}.`);
  captureFrames(file).catch(() => {});
  uploadFile(file).catch((error) => showError("video", error.message));
});

$("upload-cancel").addEventListener("click", async () => {
  cancelled = true;
  if (xhr) xhr.abort();
  if (upload) await api("DELETE", `/studio/uploads/${upload.id}`).catch(() => {});
  upload = null;
  input.value = "";
  publish.disabled = true;
  bar.value = 0;
  statusText.textContent = "Upload cancelled.";
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
    Object.entries(fields).forEach(([field, message]) => showError(field, message));
    if (!Object.keys(fields).length) showError("video", error.message);
    if (fields.video) { upload = null; input.value = ""; } else { publish.disabled = false; }
  }
});
