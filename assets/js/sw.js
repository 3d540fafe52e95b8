// The service worker, served at /sw.js so that its scope is the whole site.
// It shows what the server pushes ({title, body, url}, already decrypted by
// the browser) and opens its link when clicked; and it keeps the fan app's
// shell so /app opens offline:
// - on install, /app and every asset it names (and the modules those
//   import) go into one cache;
// - a navigation under /app tries the network, keeps the fresh page, and
//   falls back to the kept one (or a short offline page) when offline;
// - versioned assets (?v=hash) come from the cache first, others from the
//   network first; an asset's older versions leave the cache.
// Nothing else is intercepted: the API is always asked, never cached.

const SHELL = "boptone-app-v1";
const OFFLINE = `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Boptone — offline</title><body style="font-family:system-ui;background:#0b0b12;color:#fff;padding:2rem">
<h1>You are offline</h1><p>Boptone opens as soon as you are back online.</p></body>`;

self.addEventListener("install", (event) => {
  event.waitUntil(precache().catch(() => {}).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key !== SHELL) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

async function precache() {
  const cache = await caches.open(SHELL);
  const page = await fetch("/app", { credentials: "same-origin" });
  if (!page.ok) return;
  const html = await page.clone().text();
  await cache.put("/app", page);
  const queue = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1].replaceAll("&amp;", "&"));
  const seen = new Set();
  while (queue.length) {
    const url = queue.shift();
    if (seen.has(url)) continue;
    seen.add(url);
    const asset = await fetch(url);
    if (!asset.ok) continue;
    if (new URL(url, self.location.origin).pathname.endsWith(".js")) {
      const code = await asset.clone().text();
      for (const m of code.matchAll(/(?:from|import)\s*\(?\s*"(\.\/[^"]+)"/g)) {
        queue.push(new URL(m[1], self.location.origin + url).pathname);
      }
    }
    await keep(cache, url, asset);
  }
}

// Keeps one version of each asset: older versions of the same path go.
async function keep(cache, url, response) {
  const path = new URL(url, self.location.origin).pathname;
  for (const old of await cache.keys()) {
    const oldUrl = new URL(old.url);
    if (oldUrl.pathname === path && oldUrl.href !== new URL(url, self.location.origin).href) await cache.delete(old);
  }
  await cache.put(url, response);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && (url.pathname === "/app" || url.pathname.startsWith("/app/"))) {
    event.respondWith(appPage(request));
  } else if (url.pathname.startsWith("/assets/")) {
    event.respondWith(asset(request, url));
  }
});

async function appPage(request) {
  try {
    const response = await fetch(request);
    if (response.ok) {
      const cache = await caches.open(SHELL);
      await cache.put("/app", response.clone());
    }
    return response;
  } catch {
    const kept = await caches.match("/app");
    return kept || new Response(OFFLINE, { headers: { "Content-Type": "text/html; charset=utf-8" } });
  }
}

async function asset(request, url) {
  const cache = await caches.open(SHELL);
  if (url.searchParams.has("v")) {
    const kept = await cache.match(request);
    if (kept) return kept;
  }
  try {
    const response = await fetch(request);
    if (response.ok) await keep(cache, url.pathname + url.search, response.clone());
    return response;
  } catch {
    const kept = await cache.match(request, { ignoreSearch: !url.searchParams.has("v") });
    return kept || Response.error();
  }
}

// Only links on this site are opened.
function sameOrigin(url) {
  try {
    const target = new URL(url || "/", self.location.origin);
    return target.origin === self.location.origin ? target.href : self.location.origin + "/";
  } catch {
    return self.location.origin + "/";
  }
}

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(
    self.registration.showNotification(data.title || "Boptone", {
      body: data.body || "",
      icon: "/assets/icons/logo.svg",
      data: { url: sameOrigin(data.url) },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = sameOrigin(event.notification.data && event.notification.data.url);
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const open = windows.find((client) => client.url === url && "focus" in client);
      return open ? open.focus() : self.clients.openWindow(url);
    })(),
  );
});
