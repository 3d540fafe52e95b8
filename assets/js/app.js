// The fan web app. It uses only the app surface (/api/v1) with a bearer
// token, exactly like the mobile app: feed, playback, likes, comments,
// views, tips, the artists' shops, and search and explore.
import { plural } from "./format.js";
import { openComments, openReport, setUpComments } from "./comments.js";
import { openArtist, setUpArtist } from "./artist.js";
import { play, reducedMotion, setUpBopPlayer, setUpKeys } from "./bop_player.js";
import { openArtistMusic, playQueue, setUpPlayer } from "./player.js";
import { renderCaption } from "./caption.js";
import { setUpPush } from "./push.js";
import { setVideoSource } from "./video_source.js";
import { openSearch, setUpSearch } from "./search.js";
import { openArtistShop, setUpShop } from "./shop.js";
import { loadStripe } from "./stripe.js";

const $ = (id) => document.getElementById(id);
const feed = $("feed");
let token = localStorage.getItem("boptone_token");
let cursor = null;
let loading = false;
let current = null; // the Bop whose dialog is open
let tipOptions = null;
let feedKind = "for_you";

// The factors of "Why am I seeing this?", in words.
const WHY = {
  engagement: "Fans are liking, commenting, tipping and watching it",
  recency: "It is new",
  artist_fans: "The artist's fans are loyal",
  your_loyalty: "You often watch and support this artist",
  following: "You follow this artist",
  genre: "It is in genres you like",
  watched: "You have watched it already",
};

// The app is installable: the service worker keeps its shell for offline use.
if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});

function setOffline(offline) {
  $("offline").hidden = !offline;
}
addEventListener("offline", () => setOffline(true));
addEventListener("online", () => {
  setOffline(false);
  if (token && !feed.children.length) loadMore().catch(() => {});
});
setOffline(!navigator.onLine);

async function api(method, path, body) {
  let response;
  try {
    response = await fetch("/api/v1" + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    setOffline(true);
    throw new Error("You are offline.");
  }
  setOffline(false);
  if (response.status === 401) { signOut(); throw new Error("Please sign in again."); }
  const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(data.message || "Something went wrong."), { data, status: response.status });
  return data;
}

function signOut() {
  localStorage.removeItem("boptone_token");
  token = null;
  feed.hidden = true;
  $("orders-open").hidden = true;
  $("tips-open").hidden = true;
  $("feed-tabs").hidden = true;
  $("feed-title").hidden = true;
  $("search-open").hidden = true;
  $("push-toggle").hidden = true;
  $("sign-out").hidden = true;
  $("login").hidden = false;
}

// Signing out ends this device's token, and the web session too when the
// browser has one, so nothing here stays signed in.
$("sign-out").addEventListener("click", async () => {
  const app = $("app").dataset;
  await fetch("/api/v1/auth/token", { method: "DELETE", headers: { Authorization: `Bearer ${token}` } }).catch(() => {});
  if (app.session === "true") {
    const body = new URLSearchParams({ csrf_token: app.csrf });
    await fetch("/logout", { method: "POST", body, credentials: "same-origin" }).catch(() => {});
    delete app.session;
  }
  signOut();
});

// A browser signed in on the web trades its session for the app's token.
async function tokenFromSession() {
  const app = $("app").dataset;
  if (app.session !== "true") return null;
  const response = await fetch(`/account/app-token?csrf_token=${encodeURIComponent(app.csrf)}`, {
    method: "POST",
    credentials: "same-origin",
  });
  if (!response.ok) return null;
  return (await response.json()).token;
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").hidden = true;
  const response = await fetch("/api/v1/auth/token", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ email: $("login-email").value, password: $("login-password").value }),
  });
  if (!response.ok) {
    $("login-error").textContent = response.status === 429 ? "Too many attempts; wait a minute." : "That email and password do not match.";
    $("login-error").hidden = false;
    return;
  }
  token = (await response.json()).token;
  localStorage.setItem("boptone_token", token);
  // The form goes away: focus goes to the feed's first Bop (or its heading), not back to the page's top.
  start(true);
});

const money = (minor, currency) => new Intl.NumberFormat(undefined, { style: "currency", currency }).format(minor / 100);

// A count button's name holds what it shows (WCAG 2.5.3, label in name):
// the visible number between words only screen readers hear,
// "Like, 5 likes" or "3 comments".
function setCount(button, count, one) {
  button.querySelector(".count").textContent = count;
  button.querySelector(".noun").textContent = ` ${plural(count, one).replace(/^\S+ /, "")}`;
}

function setComments(section, count) {
  setCount(section.querySelector(".comment"), count, "comment");
}

let bopSerial = 0; // ids for the parts an article's name and description point at

function render(bop) {
  const section = document.createElement("article");
  section.className = "bop";
  section.dataset.id = bop.id;
  // The feed's articles take focus (the feed pattern), from code only:
  // Tab moves through the Bop on screen, ↓/PageDown and "Next Bop" to the next.
  section.tabIndex = -1;
  section.setAttribute("aria-setsize", "-1");
  const serial = ++bopSerial;
  section.setAttribute("aria-label", `Bop by ${bop.artist.name || "@" + bop.artist.handle}`);
  section.setAttribute("aria-describedby", `bop-caption-${serial}`);
  section.innerHTML = `
    <button class="skip-bop" type="button" aria-keyshortcuts="PageDown">Next Bop</button>
    <video playsinline muted loop preload="metadata"></video>
    <p class="play-state" aria-hidden="true" hidden>▶</p>
    <p class="heart" aria-hidden="true" hidden>♥</p>
    <button class="sound" type="button" aria-pressed="false">🔇 Tap for sound</button>
    <div class="controls">
      <button class="pause" type="button" aria-pressed="false" aria-label="Pause">⏯</button>
      <input class="seek" type="range" min="0" max="1000" value="0" aria-label="Position in the Bop">
    </div>
    <div class="meta"><h2></h2><p id="bop-caption-${serial}"></p><button class="tagged" type="button" hidden></button></div>
    <div class="actions">
      <button class="like" type="button" aria-pressed="false"><span class="icon" aria-hidden="true">♥</span><span class="visually-hidden">Like, </span><span class="count"></span><span class="visually-hidden noun"></span></button>
      <button class="comment" type="button"><span class="icon" aria-hidden="true">💬</span><span class="count"></span><span class="visually-hidden noun"></span></button>
      <button class="tip" type="button"><span class="icon" aria-hidden="true">$</span>Tip</button>
      <button class="music" type="button"><span class="icon" aria-hidden="true">♪</span>Music</button>
      <button class="shop" type="button"><span class="icon" aria-hidden="true">🛍</span>Shop</button>
      <button class="why" type="button" aria-label="Why am I seeing this?"><span class="icon" aria-hidden="true">?</span>Why</button>
      <button class="share" type="button" aria-label="Share this Bop" hidden><span class="icon" aria-hidden="true">↗</span>Share</button>
    </div>`;
  const video = section.querySelector("video");
  // The low rendition on a slow connection, else the original.
  setVideoSource(video, bop.video_url, bop.video_low_url);
  if (bop.poster_url) video.poster = bop.poster_url;
  addCaptions(video, bop);
  const name = document.createElement("button");
  name.type = "button";
  name.className = "artist-link";
  name.textContent = "@" + bop.artist.handle;
  name.setAttribute("aria-label", `@${bop.artist.handle}: open ${bop.artist.name || "the artist"}'s page`);
  name.addEventListener("click", () => openArtist(bop.artist.id).catch(() => {}));
  section.querySelector("h2").append(name);
  renderCaption(section.querySelector(".meta p"), bop.caption, (tag) => openSearch("#" + tag), (handle) => openArtist("@" + handle).catch(() => {}));
  const like = section.querySelector(".like");
  const setLike = (liked, count) => {
    like.setAttribute("aria-pressed", String(liked));
    setCount(like, count, "like");
  };
  setLike(bop.liked_by_me, bop.like_count);
  setComments(section, bop.comment_count);
  like.addEventListener("click", async () => {
    const liked = like.getAttribute("aria-pressed") !== "true";
    const result = await api(liked ? "POST" : "DELETE", `/bops/${bop.id}/like`);
    setLike(result.liked, result.like_count);
  });
  setUpBopPlayer(section, async () => {
    if (like.getAttribute("aria-pressed") === "true") return;
    const result = await api("POST", `/bops/${bop.id}/like`);
    setLike(result.liked, result.like_count);
  });
  section.querySelector(".comment").addEventListener("click", () => openComments(bop, () => setComments(section, bop.comment_count)).catch(() => {}));
  section.querySelector(".tip").addEventListener("click", () => openTip(bop));
  section.querySelector(".music").addEventListener("click", () => openArtistMusic(bop.artist).catch(() => {}));
  const shop = section.querySelector(".shop");
  shop.setAttribute("aria-label", `Shop ${bop.artist.name || "@" + bop.artist.handle}'s merch`);
  shop.addEventListener("click", () => openArtistShop(bop.artist));
  if (bop.track && bop.track.stream_url) {
    const tagged = section.querySelector(".tagged");
    tagged.hidden = false;
    tagged.textContent = "♪ " + bop.track.title;
    tagged.setAttribute("aria-label", `Play ${bop.track.title}`);
    tagged.addEventListener("click", () => playQueue([{ ...bop.track, artist: bop.artist.name, source: "bop" }], 0));
  }
  section.querySelector(".why").addEventListener("click", () => openWhy(bop));
  // Only a public Bop's page opens for whoever gets the link.
  const share = section.querySelector(".share");
  share.hidden = bop.visibility !== "public";
  share.addEventListener("click", () => shareBop(bop));
  trackViews(video, bop);
  return section;
}

// Sharing a Bop: its public page (with its link card), through the
// system's share sheet where there is one, else copied to the clipboard;
// the link is shown either way, so it can be copied by hand.
async function shareBop(bop) {
  const url = new URL(`/bops/${encodeURIComponent(bop.id)}`, location.origin).href;
  const status = $("share-status");
  status.textContent = "";
  if (navigator.share) {
    try {
      await navigator.share({ title: `${bop.artist.name || "@" + bop.artist.handle} on Boptone`, text: bop.caption, url });
      return;
    } catch (error) {
      if (error.name === "AbortError") return;
    }
  }
  let copied = false;
  try {
    await navigator.clipboard.writeText(url);
    copied = true;
  } catch { /* no clipboard here: the link is shown */ }
  status.textContent = copied ? `Link copied: ${url}` : `Copy this link: ${url}`;
  clearTimeout(status.timer);
  status.timer = setTimeout(() => (status.textContent = ""), 8000);
}

// The artist's WebVTT captions, when the Bop has them: shown by default.
function addCaptions(video, bop) {
  if (!bop.captions_url) return;
  const track = document.createElement("track");
  track.kind = "captions";
  track.src = bop.captions_url;
  track.srclang = bop.captions_lang || "en";
  track.label = languageName(track.srclang);
  track.default = true;
  video.append(track);
}

function languageName(tag) {
  try {
    return new Intl.DisplayNames([navigator.language || "en"], { type: "language" }).of(tag) || tag;
  } catch {
    return tag;
  }
}

// The feed's articles know their place in it (aria-posinset), and its size
// once the end is reached (aria-setsize, -1 until then).
function numberBops() {
  const size = cursor === undefined ? String(feed.children.length) : "-1";
  [...feed.children].forEach((section, i) => {
    section.setAttribute("aria-posinset", String(i + 1));
    section.setAttribute("aria-setsize", size);
  });
}

function openWhy(bop) {
  const list = $("why-list");
  const factors = bop.why || [];
  list.replaceChildren(...factors.map((w) => {
    const item = document.createElement("li");
    const share = w.weight > 0 ? ` — ${Math.round(w.weight * 100)}%` : "";
    item.textContent = (WHY[w.factor] || w.factor) + share;
    return item;
  }));
  if (!factors.length) list.textContent = "It is one of the newest Bops.";
  $("why-report").onclick = () => { $("why-dialog").close(); openReport("bop", bop.id, "this Bop").catch(() => {}); };
  $("why-dialog").showModal();
}

for (const tab of document.querySelectorAll("#feed-tabs button")) {
  tab.addEventListener("click", () => {
    if (tab.dataset.kind === feedKind) return;
    feedKind = tab.dataset.kind;
    for (const other of document.querySelectorAll("#feed-tabs button")) other.setAttribute("aria-pressed", String(other === tab));
    $("feed-title").textContent = feedKind === "following" ? "Bops from artists you follow" : "Bops for you";
    feed.replaceChildren();
    cursor = null;
    loadMore().catch((error) => { $("feed-empty").textContent = error.message; $("feed-empty").hidden = false; });
  });
}

// A view counts after 3 s watched (or ¾ of a shorter video); reported once.
function trackViews(video, bop) {
  let watched = 0, last = null, reported = false;
  video.addEventListener("timeupdate", () => {
    if (last !== null && video.currentTime > last) watched += (video.currentTime - last) * 1000;
    last = video.currentTime;
    const needed = Math.min(3000, (bop.duration_ms * 3) / 4);
    if (!reported && watched >= needed) {
      reported = true;
      api("POST", `/bops/${bop.id}/views`, { watched_ms: Math.round(watched) }).catch(() => {});
    }
  });
  video.addEventListener("pause", () => (last = null));
}

const observer = new IntersectionObserver((entries) => {
  for (const entry of entries) {
    const video = entry.target.querySelector("video");
    if (entry.isIntersecting) {
      play(entry.target);
      if (entry.target === feed.lastElementChild) loadMore();
    } else {
      video.pause();
    }
  }
}, { threshold: 0.6 });

async function loadMore() {
  if (loading || cursor === undefined) return;
  loading = true;
  feed.setAttribute("aria-busy", "true");
  try {
    const page = await api("GET", `/feed?kind=${feedKind}&limit=10${cursor ? "&cursor=" + encodeURIComponent(cursor) : ""}`);
    for (const bop of page.items) {
      const section = render(bop);
      feed.append(section);
      observer.observe(section);
    }
    cursor = page.next_cursor ?? undefined;
    numberBops();
    $("feed-empty").textContent = feedKind === "following" ? "No Bops from artists you follow yet. Tap an @handle to follow." : "No Bops yet. Check back soon.";
    $("feed-empty").hidden = feed.children.length > 0;
  } finally {
    loading = false;
    feed.setAttribute("aria-busy", "false");
  }
}

// One Bop at the top of the feed (a deep link, a tap in an artist's grid).
async function showBop(id) {
  const bop = await api("GET", `/bops/${encodeURIComponent(id)}`);
  feed.querySelector(`.bop[data-id="${CSS.escape(bop.id)}"]`)?.remove();
  const section = render(bop);
  feed.prepend(section);
  numberBops();
  observer.observe(section);
  section.scrollIntoView();
  $("feed-empty").hidden = true;
}

// Deep links: /app/bops/{id}, /app/@handle, /app/orders.
async function openDeepLink() {
  const path = decodeURIComponent(location.pathname);
  const bop = path.match(/^\/app\/bops\/([A-Za-z0-9_-]+)\/?$/);
  const artist = path.match(/^\/app\/@([A-Za-z0-9_.-]+)\/?$/);
  if (bop) await showBop(bop[1]);
  else if (artist) await openArtist("@" + artist[1], new URLSearchParams(location.search).get("tip") === "1");
  else if (/^\/app\/orders\/?$/.test(path)) $("orders-open").click();
}

async function openTip(bop) {
  current = { bop };
  tipOptions = tipOptions || (await api("GET", "/tips/options"));
  const presets = $("tip-presets");
  presets.innerHTML = "";
  for (const amount of tipOptions.presets_minor) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = money(amount, tipOptions.currency);
    button.addEventListener("click", () => startTip(amount));
    presets.append(button);
  }
  $("tip-custom").min = tipOptions.min_minor / 100;
  $("tip-custom").max = tipOptions.max_minor / 100;
  $("tip-confirm").hidden = true;
  $("tip-card-form").hidden = true;
  $("tip-card").innerHTML = "";
  $("tip-status").textContent = "";
  $("tip-message").value = "";
  $("tip-title").textContent = `Tip ${bop.artist.name || "the artist"}`;
  $("tip-dialog").showModal();
}

$("tip-form").addEventListener("submit", (event) => {
  event.preventDefault();
  startTip(Math.round(Number($("tip-custom").value) * 100));
});

async function startTip(amount) {
  $("tip-status").textContent = "";
  try {
    const tip = await api("POST", `/bops/${current.bop.id}/tips`, {
      amount_minor: amount,
      message: $("tip-message").value,
      show_on_wall: $("tip-wall").checked,
    });
    if (tip.confirm_url) {
      $("tip-confirm").hidden = false;
      $("tip-pay").textContent = `Pay ${money(tip.amount_minor, tip.currency)} (test money)`;
      // The new step takes focus, and is said: the choice above is done.
      $("tip-status").textContent = `Your tip of ${money(tip.amount_minor, tip.currency)} is ready: Pay sends it.`;
      $("tip-pay").focus();
      $("tip-pay").onclick = async () => {
        const paid = await fetch(tip.confirm_url, { method: "POST", headers: { Authorization: `Bearer ${token}` } }).catch(() => null);
        if (!paid || !paid.ok) {
          $("tip-status").textContent = paid ? "The payment did not go through. Try again." : "You are offline. Try again when you are back.";
          return;
        }
        $("tip-confirm").hidden = true;
        $("tip-status").textContent = thanks(tip);
      };
    } else if (tip.client_secret) {
      await payByCard(tip);
    }
  } catch (error) {
    const fields = (error.data && error.data.fields) || {};
    $("tip-status").textContent = error.status === 429 ? "You have tipped a lot this hour — thank you! Try again later." : fields.amount_minor || error.message;
  }
}

// Stripe: the card form is Stripe's Payment Element, loaded from Stripe.
// The tip counts once Stripe's webhook says the payment succeeded.
async function payByCard(tip) {
  const stripe = await loadStripe();
  const elements = stripe.elements({ clientSecret: tip.client_secret, appearance: { theme: "night" } });
  const payment = elements.create("payment");
  payment.mount("#tip-card");
  payment.on("ready", () => payment.focus());
  const form = $("tip-card-form");
  form.hidden = false;
  $("tip-card-pay").textContent = `Pay ${money(tip.amount_minor, tip.currency)}`;
  $("tip-status").textContent = `Enter your card to pay ${money(tip.amount_minor, tip.currency)}.`;
  form.onsubmit = async (event) => {
    event.preventDefault();
    $("tip-card-pay").disabled = true;
    const { error } = await stripe.confirmPayment({ elements, redirect: "if_required", confirmParams: { return_url: location.href } });
    $("tip-card-pay").disabled = false;
    if (error) {
      $("tip-status").textContent = error.message;
      return;
    }
    form.hidden = true;
    $("tip-status").textContent = thanks(tip);
  };
}

function thanks(tip) {
  return `Thank you! ${money(tip.amount_minor, tip.currency)} sent to ${tip.artist_name || "the artist"}. Your receipt is in "My tips" and your email.`;
}

// "My tips": the fan's tips, newest first, with their receipts.
let tipsCursor = null;

async function loadTips(more) {
  const page = await api("GET", "/tips" + (more && tipsCursor ? `?before=${encodeURIComponent(tipsCursor)}` : ""));
  const list = $("tips-list");
  if (!more) list.innerHTML = "";
  for (const tip of page.items) {
    const item = document.createElement("li");
    const when = new Date(tip.paid_at || tip.created_at).toLocaleString();
    const status = tip.status === "succeeded" ? "paid" : "not paid";
    item.textContent = `${tip.amount} to ${tip.artist.name} · ${when} · ${status} · receipt ${tip.id}`;
    if (tip.message) {
      const message = document.createElement("q");
      message.textContent = tip.message;
      item.append(document.createElement("br"), message);
    }
    list.append(item);
  }
  tipsCursor = page.next_cursor;
  $("tips-more").hidden = !tipsCursor;
  $("tips-empty").hidden = list.children.length > 0;
}

$("tips-open").addEventListener("click", async () => {
  $("tips-dialog").showModal();
  await loadTips(false).catch((error) => { $("tips-empty").textContent = error.message; $("tips-empty").hidden = false; });
});
$("tips-more").addEventListener("click", () => loadTips(true));

let push = null; // resolves to the push button's refresh, once set up

let artistReady = false;
setUpKeys((section) => section.querySelector(".like").click());
if (reducedMotion.matches) document.documentElement.classList.add("reduced-motion");

function start(focusFeed = false) {
  setUpPlayer(api);
  setUpShop(api);
  setUpComments(api);
  setUpSearch(api);
  if (!artistReady) {
    const tip = (id) => api("GET", `/bops/${id}`).then(openTip).catch(() => {});
    setUpArtist(api, (id) => showBop(id).catch(() => {}), tip);
    artistReady = true;
  }
  if (push) {
    push.then((refresh) => refresh && refresh());
  } else {
    push = setUpPush({
      button: $("push-toggle"),
      status: $("push-status"),
      key: $("app").dataset.pushKey,
      send: (method, body) => api(method, "/push/subscriptions", body),
    });
  }
  $("login").hidden = true;
  $("sign-out").hidden = false;
  $("tips-open").hidden = false;
  $("feed-tabs").hidden = false;
  $("feed-title").hidden = false;
  feed.hidden = false;
  loadMore()
    .then(() => openDeepLink())
    .catch((error) => { $("feed-empty").textContent = error.message; $("feed-empty").hidden = false; })
    .finally(() => { if (focusFeed) (feed.querySelector(".bop") || $("feed-title")).focus(); });
}

if (token) {
  start();
} else {
  tokenFromSession().then((fromSession) => {
    if (!fromSession) { $("login").hidden = false; return; }
    token = fromSession;
    localStorage.setItem("boptone_token", token);
    start();
  });
}
