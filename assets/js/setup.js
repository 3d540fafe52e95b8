// Profile setup: suggest a handle from the stage name until the artist
// types their own; refuse an over-size photo before sending the form.
import { bytes } from "./format.js";

const stage = document.querySelector("[data-suggest-handle]");
const handle = stage && document.getElementById(stage.dataset.suggestHandle);
if (stage && handle) {
  let edited = handle.value.trim() !== "";
  handle.addEventListener("input", () => { edited = true; });
  const suggest = (name) =>
    name.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 30);
  stage.addEventListener("input", () => { if (!edited) handle.value = suggest(stage.value); });
}

// The server refuses a photo over the limit too (and keeps the form), but
// checking here saves sending megabytes only to be told so.
const photo = document.getElementById("photo");
const photoError = document.getElementById("photo-error");
if (photo && photoError) {
  const maxBytes = Number(photo.dataset.maxBytes);
  const tooLarge = () => photo.files[0] && photo.files[0].size > maxBytes;
  const check = () => {
    const large = tooLarge();
    photoError.textContent = large
      ? `This photo is ${bytes(photo.files[0].size)}; choose one of at most ${bytes(maxBytes)}.`
      : "";
    photoError.hidden = !large;
    if (large) photo.setAttribute("aria-invalid", "true"); else photo.removeAttribute("aria-invalid");
    if (large) photo.setAttribute("aria-describedby", "photo-error");
    return large;
  };
  photo.addEventListener("change", check);
  photo.form.addEventListener("submit", (event) => {
    if (check()) { event.preventDefault(); photo.focus(); }
  });
}
