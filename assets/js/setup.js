// Profile setup: suggest a handle from the stage name until the artist
// types their own.
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
