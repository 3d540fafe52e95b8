// Adding a track: the master (WAV or FLAC) uploads in resumable chunks with
// progress; the form, with the upload's id, is sent once every byte arrived.
// The server then checks the master and measures its loudness.
import { bytes } from "./format.js";
import { ChunkedUpload } from "./chunked.js";

const form = document.getElementById("track-form");
const csrf = encodeURIComponent(form.dataset.csrf);
const maxBytes = Number(form.dataset.maxBytes);
const $ = (id) => document.getElementById(id);
const input = $("master"), bar = $("master-bar"), statusText = $("master-status"), submit = $("add-track");
let upload = null;
let generation = 0;

function showError(message) {
  const el = $("master-error");
  el.textContent = message || "";
  el.hidden = !message;
}

function reset() {
  generation += 1;
  if (upload) { upload.abort(); upload.discard(); }
  upload = null;
  submit.disabled = true;
  $("upload_id").value = "";
  bar.value = 0;
  statusText.textContent = "";
  $("master-progress").hidden = true;
}

input.addEventListener("change", async () => {
  reset();
  showError("");
  const file = input.files[0];
  if (!file) return;
  if (!/\.(wav|flac)$/i.test(file.name)) return showError("Masters are WAV or FLAC files.");
  if (file.size > maxBytes) return showError(`The file is ${bytes(file.size)}; the limit is ${bytes(maxBytes)}.`);
  const mine = generation;
  $("master-progress").hidden = false;
  upload = new ChunkedUpload({
    csrf, createPath: "/studio/music/uploads", isCancelled: () => mine !== generation,
    onProgress: (text, percent) => { statusText.textContent = text; if (percent !== null) bar.value = percent; },
  });
  try {
    if (!(await upload.send(file)) || mine !== generation) return;
    bar.value = 100;
    statusText.textContent = `Uploaded ${bytes(file.size)}. Add the details and press “Add track”.`;
    $("upload_id").value = upload.upload.id;
    submit.disabled = false;
  } catch (error) {
    if (mine === generation) { reset(); input.value = ""; showError(error.message); }
  }
});

$("master-cancel").addEventListener("click", () => { reset(); input.value = ""; statusText.textContent = "Upload cancelled."; });

form.addEventListener("submit", (event) => {
  if (!$("upload_id").value) { event.preventDefault(); showError("Choose the master file and wait for the upload to finish."); return; }
  submit.disabled = true;
  statusText.textContent = "Checking the master and measuring its loudness…";
});
