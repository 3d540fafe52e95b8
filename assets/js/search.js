// Search and explore in the fan app: one sheet with a search box over
// GET /api/v1/search (as you type, after a pause) and, while the box is
// empty, explore (GET /api/v1/explore). Results are built with text
// nodes only.
import { openArtist } from "./artist.js";
import { renderCaption } from "./caption.js";
import { playQueue } from "./player.js";
import { money } from "./shop.js";

const $ = (id) => document.getElementById(id);
let api = null;
let ready = false;
let timer = null;
let asked = 0; // the latest search sent; older answers are dropped

export function setUpSearch(apiCall) {
  api = apiCall;
  $("search-open").hidden = false;
  if (ready) return;
  ready = true;
  $("search-open").addEventListener("click", () => openSearch(""));
  $("search-form").addEventListener("submit", (event) => { event.preventDefault(); run(); });
  $("search-q").addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, 250); });
}

/// Opens the sheet searching for `q` (empty: explore).
export function openSearch(q) {
  const dialog = $("search-dialog");
  if (!dialog.open) dialog.showModal();
  $("search-q").value = q;
  $("search-q").focus();
  run();
}

const searchTag = (tag) => openSearch("#" + tag);

async function run() {
  const q = $("search-q").value.trim();
  const mine = ++asked;
  $("search-error").hidden = true;
  try {
    const data = q ? await api("GET", `/search?q=${encodeURIComponent(q)}`) : await api("GET", "/explore");
    if (mine !== asked) return;
    show(q ? data : null, q ? null : data);
  } catch (error) {
    if (mine !== asked) return;
    $("search-error").textContent = error.message;
    $("search-error").hidden = false;
  }
}

function item(list) {
  const li = document.createElement("li");
  list.append(li);
  return li;
}

function link(href, text) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  return a;
}

function section(title, rows, fill) {
  const results = $("search-results");
  if (!rows.length) return;
  const h = document.createElement("h3");
  h.textContent = title;
  const list = document.createElement("ul");
  list.className = "search-list";
  results.append(h, list);
  for (const row of rows) fill(item(list), row);
}

function artistRow(li, artist) {
  if (artist.photo_url) {
    const img = document.createElement("img");
    img.src = artist.photo_url; img.alt = ""; img.width = 36; img.height = 36;
    li.append(img);
  }
  const name = link(artist.url, artist.stage_name);
  name.addEventListener("click", (event) => { event.preventDefault(); openArtist(artist.id).catch(() => {}); });
  li.append(name, " ");
  const small = document.createElement("small");
  small.textContent = "@" + artist.handle;
  li.append(small);
}

function show(results, explore) {
  const box = $("search-results");
  box.textContent = "";
  if (explore) {
    section("Trending hashtags", explore.hashtags, (li, t) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "chip";
      button.textContent = `#${t.tag} · ${t.bops}`;
      button.addEventListener("click", () => searchTag(t.tag));
      li.append(button);
    });
    section("Artists to watch", explore.artists, artistRow);
    return;
  }
  section("Artists", results.artists, artistRow);
  section("Bops", results.bops, (li, bop) => {
    const p = document.createElement("p");
    renderCaption(p, bop.caption, searchTag, (handle) => openArtist("@" + handle).catch(() => {}));
    li.append(p, link(bop.url, "Watch"), ` · @${bop.artist.handle}`);
  });
  section("Tracks", results.tracks, (li, track) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "track";
    button.textContent = `▶ ${track.title} — ${track.artist.name}`;
    button.addEventListener("click", () => play(track).catch(() => {}));
    li.append(button);
  });
  section("Merch", results.products, (li, product) => {
    li.append(link(`#shop/product/${product.id}`, product.title));
    if (product.price_minor !== null) li.append(` · ${money(product.price_minor, product.currency)}`);
    li.append(` — ${product.artist.name}`);
  });
  if (!box.children.length) box.textContent = "Nothing found. Try fewer words.";
}

// A track plays with the rest of its release queued after it.
async function play(track) {
  const release = await api("GET", `/releases/${track.release_id}`);
  const tracks = release.tracks.map((t) => ({
    id: t.id, title: t.title, artist: track.artist.name, artwork_url: release.artwork_thumb_url, stream_url: t.stream_url, source: "app",
  }));
  playQueue(tracks, Math.max(0, tracks.findIndex((t) => t.id === track.id)));
}
