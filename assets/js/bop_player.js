// Watching a Bop in the fan app: tap to pause, double-tap to like, a
// progress bar that seeks, the sound setting kept across Bops (and visits),
// keyboard controls on a desktop, and no autoplay for people who asked
// their system for reduced motion.
//
// Keyboard: only the Bop on screen is in the Tab order (its controls get
// tabindex 0, every other Bop's -1), so Tab leaves the feed after one Bop
// instead of walking through all of them; its first stop, "Next Bop", and
// ↓/j/PageDown (↑/PageUp back) move focus to the next article.
const SOUND_KEY = "boptone_sound";
export const reducedMotion = matchMedia("(prefers-reduced-motion: reduce)");
let current = null; // the section on screen

export function soundOn() {
  return localStorage.getItem(SOUND_KEY) === "on";
}

function setSound(on) {
  localStorage.setItem(SOUND_KEY, on ? "on" : "off");
  for (const section of document.querySelectorAll(".bop")) showSound(section, on);
}

function showSound(section, on) {
  const video = section.querySelector("video");
  const button = section.querySelector(".sound");
  video.muted = !on;
  const icon = Object.assign(document.createElement("span"), { textContent: on ? "🔊 " : "🔇 " });
  icon.setAttribute("aria-hidden", "true");
  button.replaceChildren(icon, on ? "Sound on" : "Tap for sound");
  button.setAttribute("aria-pressed", String(on));
}

const CONTROLS = "button, a[href], input, select, textarea";

// Puts `section`'s controls in the Tab order and takes the last Bop's out.
function makeCurrent(section) {
  if (current === section) return;
  if (current) for (const control of current.querySelectorAll(CONTROLS)) control.tabIndex = -1;
  current = section;
  for (const control of section.querySelectorAll(CONTROLS)) control.tabIndex = 0;
}

// Goes to the Bop `next` (if it is one): scrolls to it and, when focus was
// in the feed, moves focus to it.
function goTo(next) {
  if (!next || !next.classList.contains("bop")) return;
  const focusInFeed = !!document.activeElement?.closest?.(".bop");
  next.scrollIntoView({ behavior: reducedMotion.matches ? "auto" : "smooth" });
  makeCurrent(next);
  if (focusInFeed) next.focus({ preventScroll: true });
}

// Plays the Bop, with sound if the fan wants it and the browser allows it.
export function play(section) {
  const video = section.querySelector("video");
  makeCurrent(section);
  if (section.dataset.paused === "true" || reducedMotion.matches) return;
  video.play().catch(() => {
    // Sound needs a tap first on this browser: play muted until then.
    video.muted = true;
    video.play().catch(() => {});
  });
}

function togglePause(section) {
  const video = section.querySelector("video");
  const paused = !video.paused;
  section.dataset.paused = String(paused);
  if (paused) video.pause();
  else video.play().catch(() => {});
  const state = section.querySelector(".play-state");
  state.hidden = !paused;
  section.querySelector(".pause").setAttribute("aria-pressed", String(paused));
}

function clock(seconds) {
  return `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, "0")}`;
}

// `like()` likes the Bop (a double tap never unlikes).
export function setUpBopPlayer(section, like) {
  const video = section.querySelector("video");
  for (const control of section.querySelectorAll(CONTROLS)) control.tabIndex = -1;
  section.addEventListener("focusin", () => makeCurrent(section));
  section.querySelector(".skip-bop").addEventListener("click", () => {
    const next = section.nextElementSibling;
    if (next) goTo(next);
    else section.focus();
  });
  showSound(section, soundOn());
  section.querySelector(".sound").addEventListener("click", () => setSound(video.muted));
  section.querySelector(".pause").addEventListener("click", () => togglePause(section));
  const seek = section.querySelector(".seek");
  video.addEventListener("timeupdate", () => {
    if (!Number.isFinite(video.duration) || video.duration <= 0) return;
    seek.value = String(Math.round((video.currentTime / video.duration) * 1000));
    seek.setAttribute("aria-valuetext", `${clock(video.currentTime)} of ${clock(video.duration)}`);
  });
  seek.addEventListener("input", () => {
    if (Number.isFinite(video.duration)) video.currentTime = (Number(seek.value) / 1000) * video.duration;
  });
  // One tap pauses or plays; two within 300 ms like.
  let tap = null;
  video.addEventListener("click", () => {
    if (tap) {
      clearTimeout(tap);
      tap = null;
      like();
      const heart = section.querySelector(".heart");
      heart.hidden = false;
      setTimeout(() => (heart.hidden = true), 700);
      return;
    }
    tap = setTimeout(() => { tap = null; togglePause(section); }, 300);
  });
}

// Keyboard on a desktop: space or k pauses, m sound, l like, ↓/j next,
// ↑ previous, ← and → five seconds back and on.
export function setUpKeys(likeCurrent) {
  document.addEventListener("keydown", (event) => {
    if (!current || document.querySelector("dialog[open]") || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target.closest ? event.target : document.body;
    if (target.closest("input, textarea, select")) return;
    // From a Bop's button or link, only the keys that move between Bops.
    const onControl = !!target.closest("button, a");
    if (onControl && !(target.closest(".bop") && ["ArrowDown", "ArrowUp", "PageDown", "PageUp"].includes(event.key))) return;
    const video = current.querySelector("video");
    const go = goTo;
    const actions = {
      " ": () => togglePause(current),
      k: () => togglePause(current),
      m: () => setSound(video.muted),
      l: () => likeCurrent(current),
      j: () => go(current.nextElementSibling),
      ArrowDown: () => go(current.nextElementSibling),
      ArrowUp: () => go(current.previousElementSibling),
      PageDown: () => go(current.nextElementSibling),
      PageUp: () => go(current.previousElementSibling),
      ArrowLeft: () => (video.currentTime = Math.max(0, video.currentTime - 5)),
      ArrowRight: () => (video.currentTime = Math.min(video.duration || 0, video.currentTime + 5)),
    };
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });
}
