// Progressive enhancement shared by every page. Pages work without it.
import { setVideoSource } from "./video_source.js";

// Disable a form's submit button while it is being sent, so a double click
// does not submit twice.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  for (const button of form.querySelectorAll("button[type=submit], button:not([type])")) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
  }
});

// Forms that destroy something ask first.
document.addEventListener("submit", (event) => {
  const message = event.target instanceof HTMLFormElement && event.target.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

// Times the server writes in UTC (`<time data-ms="…">`) read in the
// visitor's own time zone: the date, and the hour when it has one.
for (const time of document.querySelectorAll("time[data-ms]")) {
  const at = new Date(Number(time.dataset.ms));
  if (Number.isNaN(at.getTime())) continue;
  const withHour = time.dataset.hour === "true";
  const options = withHour
    ? { day: "numeric", month: "short", year: "numeric", hour: "numeric", minute: "2-digit" }
    : { day: "numeric", month: "short", year: "numeric" };
  time.dateTime = at.toISOString();
  time.textContent = new Intl.DateTimeFormat(undefined, options).format(at);
  time.title = `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

// A Bop's page plays its low rendition on a slow connection (the page
// names it in `data-low-src`; without this script the original plays).
for (const video of document.querySelectorAll("video[data-low-src]")) {
  setVideoSource(video, video.getAttribute("src"), video.dataset.lowSrc);
}
