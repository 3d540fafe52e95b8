// Resumable uploads to the studio: the file goes to the server in chunks at
// explicit offsets (or, on S3, in parts straight to presigned URLs), so a
// dropped connection resumes where it stopped. Used by the Bop and the
// track-master forms; each shows progress through `onProgress`.
import { bytes } from "./format.js";

export function studioApi(csrf) {
  return async function api(method, path, body) {
    const response = await fetch(path + (path.includes("?") ? "&" : "?") + "csrf_token=" + csrf, {
      method, body, headers: body instanceof FormData ? { Accept: "application/json" } : { "Content-Type": "application/json", Accept: "application/json" },
    });
    const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
    if (!response.ok) throw Object.assign(new Error(data.message || "Something went wrong."), { status: response.status, data });
    return data;
  };
}

// The server's JSON `message`, not the raw body, for the artist to read.
function messageOf(request) {
  try { return JSON.parse(request.responseText).message || "The server refused the upload."; }
  catch { return "The server refused the upload."; }
}

// One upload at a time. `createPath` starts it (POST {size, direct});
// `onProgress(text, percent)` reports; `isCancelled()` stops it.
export class ChunkedUpload {
  constructor({ csrf, createPath, onProgress, isCancelled }) {
    this.csrf = csrf;
    this.api = studioApi(csrf);
    this.createPath = createPath;
    this.onProgress = onProgress;
    this.isCancelled = isCancelled;
    this.upload = null;   // {id, size, received, chunk, partSize, partUrls}
    this.xhr = null;
  }

  abort() {
    if (this.xhr) this.xhr.abort();
    this.xhr = null;
  }

  // Deletes what the server holds of the upload, if anything.
  discard() {
    const stale = this.upload;
    this.upload = null;
    if (stale) this.api("DELETE", `/studio/uploads/${stale.id}`).catch(() => {});
  }

  report(sent, started) {
    const upload = this.upload;
    const seconds = (performance.now() - started.time) / 1000;
    const speed = seconds > 0 ? (sent - started.bytes) / seconds : 0;
    const left = speed > 0 ? Math.ceil((upload.size - sent) / speed) : null;
    const percent = Math.floor((sent / upload.size) * 100);
    this.onProgress(`${bytes(sent)} of ${bytes(upload.size)} · ${percent}% · ${bytes(speed)}/s` + (left !== null ? ` · ${left} s left` : ""), percent);
  }

  sendChunk(file, started) {
    const upload = this.upload;
    return new Promise((resolve, reject) => {
      const end = Math.min(upload.received + upload.chunk, upload.size);
      const xhr = (this.xhr = new XMLHttpRequest());
      xhr.open("PUT", `/studio/uploads/${upload.id}?offset=${upload.received}&csrf_token=${this.csrf}`);
      xhr.setRequestHeader("Accept", "application/json");
      const base = upload.received;
      xhr.upload.onprogress = (e) => this.report(base + e.loaded, started);
      xhr.onload = () => (xhr.status < 300 ? resolve(JSON.parse(xhr.responseText)) : reject(Object.assign(new Error(messageOf(xhr)), { status: xhr.status })));
      xhr.onerror = () => reject(new Error("network"));
      xhr.onabort = () => reject(new Error("aborted"));
      xhr.send(file.slice(base, end));
    });
  }

  // Direct mode (S3): each part goes to its presigned URL; the bucket answers
  // with an ETag, and the server completes the upload from the ETags.
  sendPart(file, index, started, doneBytes) {
    const upload = this.upload;
    return new Promise((resolve, reject) => {
      const start = index * upload.partSize;
      const xhr = (this.xhr = new XMLHttpRequest());
      xhr.open("PUT", upload.partUrls[index]);
      xhr.upload.onprogress = (e) => this.report(doneBytes + e.loaded, started);
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

  async retryPause(failures) {
    if (failures > 8) throw new Error("The connection keeps dropping; try again later.");
    this.onProgress(`Connection lost — resuming (attempt ${failures})…`, null);
    await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** failures, 15000)));
  }

  async sendDirect(file, started) {
    const upload = this.upload;
    const etags = [];
    let failures = 0;
    while (etags.length < upload.partUrls.length && !this.isCancelled()) {
      const done = etags.length * upload.partSize;
      try {
        etags.push(await this.sendPart(file, etags.length, started, done));
        failures = 0;
      } catch (error) {
        if (this.isCancelled() || error.noEtag) throw error;
        await this.retryPause(++failures);
      }
    }
    if (this.isCancelled()) return;
    await this.api("POST", `/studio/uploads/${upload.id}/complete`, JSON.stringify({ etags }));
    upload.received = upload.size;
  }

  // Sends the whole file; resolves true when every byte arrived.
  async send(file, allowDirect = true) {
    const created = await this.api("POST", this.createPath, JSON.stringify({ size: file.size, direct: allowDirect }));
    if (this.isCancelled()) {
      this.api("DELETE", `/studio/uploads/${created.upload_id}`).catch(() => {});
      return false;
    }
    this.upload = { id: created.upload_id, size: created.size, received: created.received, chunk: created.chunk_size,
      partSize: created.part_size, partUrls: created.part_urls };
    const started = { time: performance.now(), bytes: 0 };
    if (created.mode === "direct") {
      try {
        await this.sendDirect(file, started);
      } catch (error) {
        if (!error.noEtag) throw error;
        // The bucket's CORS rules hide the ETag header: send through the server instead.
        this.discard();
        return this.send(file, false);
      }
      return !this.isCancelled();
    }
    let failures = 0;
    while (this.upload.received < this.upload.size && !this.isCancelled()) {
      try {
        const status = await this.sendChunk(file, started);
        this.upload.received = status.received;
        failures = 0;
      } catch (error) {
        if (this.isCancelled()) return false;
        if (error.status && error.status !== 409 && error.status < 500) throw error;
        await this.retryPause(++failures);
        const status = await this.api("GET", `/studio/uploads/${this.upload.id}`).catch(() => null);
        if (status) this.upload.received = status.received;
      }
    }
    return !this.isCancelled();
  }
}
