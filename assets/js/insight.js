// The dashboard's Toney card, when Toney was still reading the numbers as
// the page was made: fetched again until it is ready (202 means not yet).
const card = document.querySelector("[data-insight-pending]");

async function refresh(tries) {
  if (!card || tries <= 0) return;
  const response = await fetch(card.dataset.insightPending, { credentials: "same-origin" }).catch(() => null);
  if (response && response.status === 200) {
    card.outerHTML = await response.text();
    return;
  }
  setTimeout(() => refresh(tries - 1), 1000);
}

setTimeout(() => refresh(20), 500);
