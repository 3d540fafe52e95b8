// "Enable notifications": subscribes this browser to web push with the
// server's VAPID key and hands the subscription to the server, which then
// pushes every notification of the signed-in user here (see /sw.js).
//
// The fan app calls setUpPush with its bearer-token API; the studio
// dashboard's button (data-push-studio) is set up below with the session and
// its CSRF token.

const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

// The base64url public key as the bytes PushManager.subscribe wants.
function keyBytes(base64url) {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(base64url.length / 4) * 4, "=");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

// `button` toggles; `status` (optional) says what happened; `send(method,
// body)` talks to the server's subscriptions route and rejects on failure.
// Resolves to a function that shows the button again and re-sends this
// browser's subscription (after signing in anew), or null where web push
// is not available.
export async function setUpPush({ button, status, key, send }) {
  if (!button || !supported || !key) return null;
  const say = (text) => { if (status) status.textContent = text; };
  let registration;
  try {
    registration = await navigator.serviceWorker.register("/sw.js");
  } catch {
    return null; // no service worker here (an insecure origin, a private window …)
  }
  let subscription = await registration.pushManager.getSubscription();
  const show = () => {
    button.textContent = subscription ? "Turn off notifications" : "Enable notifications";
    button.setAttribute("aria-pressed", subscription ? "true" : "false");
    button.hidden = false;
  };
  // Keep the server in step with this browser (keys change, accounts switch).
  const refresh = () => {
    if (subscription && Notification.permission === "granted") send("POST", subscription.toJSON()).catch(() => {});
    show();
  };
  refresh();
  button.addEventListener("click", async () => {
    button.disabled = true;
    say("");
    try {
      if (subscription) {
        await send("DELETE", { endpoint: subscription.endpoint }).catch((error) => {
          if (error.status !== 404) throw error;
        });
        await subscription.unsubscribe();
        subscription = null;
        say("Notifications are off in this browser.");
      } else {
        const permission = await Notification.requestPermission();
        if (permission !== "granted") {
          say("Notifications are blocked for this site in your browser's settings.");
          return;
        }
        subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
        await send("POST", subscription.toJSON());
        say("Notifications are on in this browser.");
      }
    } catch (error) {
      say(error.message || "Notifications could not be changed.");
    } finally {
      button.disabled = false;
      show();
    }
  });
  return refresh;
}

// The studio: the session cookie signs in, the form token goes in the query.
const studio = document.querySelector("[data-push-studio]");
if (studio) {
  const csrf = encodeURIComponent(studio.dataset.csrf);
  setUpPush({
    button: studio,
    status: document.getElementById(studio.dataset.status),
    key: studio.dataset.pushKey,
    send: async (method, body) => {
      const response = await fetch(`/account/push/subscriptions?csrf_token=${csrf}`, {
        method,
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
      });
      if (!response.ok) {
        const data = await response.json().catch(() => ({}));
        throw Object.assign(new Error(data.message || "Notifications could not be changed."), { status: response.status });
      }
    },
  });
}
