// The artist's page in the fan app (/app/@handle): photo, name, bio, links,
// followers and a follow button, and tabs — their Bops as a grid, their
// music and their shop. Built from text nodes only: nothing an artist typed
// is parsed as HTML.
import { plural } from "./format.js";
import { openArtistMusic } from "./player.js";
import { openArtistShop } from "./shop.js";

const $ = (id) => document.getElementById(id);
let api = null;
let showBop = null; // (id) => puts the Bop at the top of the feed
let tipBop = null; // (id) => opens the tip sheet for that Bop
let newestBop = null; // a tip from the artist's page goes with their newest Bop
let artist = null;
let gridCursor = null;

export function setUpArtist(apiCall, onBop, onTip) {
  api = apiCall;
  showBop = onBop;
  tipBop = onTip;
  $("artist-tip").addEventListener("click", () => { if (newestBop) { $("artist-dialog").close(); tipBop(newestBop); } });
  $("artist-follow").addEventListener("click", toggleFollow);
  $("artist-music").addEventListener("click", () => openArtistMusic(artist).catch(() => {}));
  $("artist-shop").addEventListener("click", () => openArtistShop(artist));
  $("artist-more").addEventListener("click", () => loadGrid(true));
}

// `id`: the artist's id or "@handle"; `tip`: open the tip sheet at once
// (the web page's "Tip" button leads here).
export async function openArtist(id, tip = false) {
  $("artist-error").hidden = true;
  $("artist-dialog").showModal();
  try {
    artist = await api("GET", `/artists/${encodeURIComponent(id)}`);
  } catch (error) {
    $("artist-error").textContent = error.status === 404 ? "No artist by that name here." : error.message;
    $("artist-error").hidden = false;
    return;
  }
  $("artist-name").textContent = artist.name;
  $("artist-handle").textContent = "@" + artist.handle;
  $("artist-bio").textContent = artist.bio;
  const photo = $("artist-photo");
  photo.hidden = !artist.photo_url;
  if (artist.photo_url) photo.src = artist.photo_url;
  const links = $("artist-links");
  links.replaceChildren(...artist.links.map((link) => {
    const item = document.createElement("li");
    const a = document.createElement("a");
    a.href = link.url;
    a.rel = "noopener nofollow";
    a.target = "_blank";
    a.textContent = link.label;
    item.append(a);
    return item;
  }));
  setFollow(artist.following, artist.follower_count);
  history.replaceState(null, "", `/app/@${artist.handle}`);
  $("artist-tip").textContent = `Tip ${artist.name}`;
  await loadGrid(false);
  if (tip) $("artist-tip").click();
}

function setFollow(following, count) {
  artist.following = following;
  artist.follower_count = count;
  const button = $("artist-follow");
  button.textContent = following ? "Following" : "Follow";
  button.setAttribute("aria-pressed", String(following));
  $("artist-followers").textContent = plural(count, "follower");
}

async function toggleFollow() {
  const following = !artist.following;
  await api(following ? "POST" : "DELETE", `/artists/${artist.id}/follow`);
  setFollow(following, Math.max(0, artist.follower_count + (following ? 1 : -1)));
}

async function loadGrid(more) {
  const grid = $("artist-bops");
  if (!more) { grid.replaceChildren(); gridCursor = null; }
  const page = await api("GET", `/artists/${artist.id}/bops${more && gridCursor ? "?cursor=" + encodeURIComponent(gridCursor) : ""}`);
  if (!more) newestBop = page.items.length ? page.items[0].id : null;
  $("artist-tip").hidden = !newestBop;
  for (const bop of page.items) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.setAttribute("aria-label", `${bop.caption || "Bop"} (${plural(bop.view_count, "view")})`);
    if (bop.poster_url) {
      const img = document.createElement("img");
      img.src = bop.poster_url;
      img.alt = "";
      img.loading = "lazy";
      button.append(img);
    } else {
      button.textContent = bop.caption || "Bop";
    }
    button.addEventListener("click", () => { $("artist-dialog").close(); showBop(bop.id); });
    item.append(button);
    grid.append(item);
  }
  gridCursor = page.next_cursor;
  $("artist-more").hidden = !gridCursor;
  $("artist-empty").hidden = grid.children.length > 0;
}
