// A Bop's comment thread in the fan app: comments with one level of
// replies, likes, times, editing and deleting one's own, and reporting
// others' (and the Bop itself). Built from text nodes only: nothing a fan
// typed is parsed as HTML.
import { ago, plural } from "./format.js";

const $ = (id) => document.getElementById(id);
let api = null;
let current = null; // { bop, changed }: changed() shows the new count in the feed
let replyTo = null; // the comment being answered
let editing = null; // the own comment being edited
let reasons = null;

export function setUpComments(apiCall) {
  const bound = api !== null;
  api = apiCall;
  if (bound) return; // signed in again: the listeners are there already
  $("comment-form").addEventListener("submit", submitComment);
  $("comment-mode-cancel").addEventListener("click", () => setMode(null, null));
  $("report-form").addEventListener("submit", submitReport);
}

export async function openComments(bop, changed) {
  current = { bop, changed };
  setMode(null, null);
  $("comments-dialog").showModal();
  await loadThread();
}

async function loadThread() {
  const list = $("comments-list");
  list.replaceChildren(note("Loading…"));
  const page = await api("GET", `/bops/${current.bop.id}/comments?limit=100`);
  list.replaceChildren();
  if (!page.items.length) list.append(note("No comments yet — be the first."));
  for (const c of threaded(page.items)) list.append(renderComment(c));
}

// The API lists comments by time (the pinned one first); a reply is shown
// right under the comment it answers, after that comment's earlier replies.
function threaded(items) {
  const shown = new Set(items.map((c) => c.uid));
  const replies = new Map();
  for (const c of items) {
    if (!c.parent_uid || !shown.has(c.parent_uid)) continue;
    if (!replies.has(c.parent_uid)) replies.set(c.parent_uid, []);
    replies.get(c.parent_uid).push(c);
  }
  return items.flatMap((c) => (c.parent_uid && shown.has(c.parent_uid) ? [] : [c, ...(replies.get(c.uid) || [])]));
}

function note(text) {
  const item = document.createElement("li");
  item.className = "note";
  item.textContent = text;
  return item;
}

function button(label, className, onClick, pressed) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = className;
  b.textContent = label;
  if (pressed !== undefined) b.setAttribute("aria-pressed", String(pressed));
  b.addEventListener("click", onClick);
  return b;
}

function renderComment(c) {
  const item = document.createElement("li");
  item.id = `comment-${c.uid}`;
  if (c.parent_uid) item.className = "reply";
  const head = document.createElement("p");
  head.className = "comment-head";
  if (c.author_avatar_url) {
    const photo = document.createElement("img");
    photo.className = "comment-avatar";
    photo.src = c.author_avatar_url;
    photo.alt = "";
    photo.width = photo.height = 24;
    head.append(photo);
  }
  const author = document.createElement("strong");
  author.textContent = c.author;
  head.append(author);
  if (c.by_artist) head.append(badge("Artist"));
  if (c.pinned) head.append(badge("Pinned"));
  const when = document.createElement("time");
  when.dateTime = new Date(c.created_at).toISOString();
  when.textContent = ago(c.created_at) + (c.edited ? " · edited" : "");
  head.append(" ", when);
  const body = document.createElement("p");
  body.className = "comment-body";
  body.textContent = c.body;
  const actions = document.createElement("div");
  actions.className = "comment-actions";
  const likeLabel = () => `♥ ${plural(c.like_count, "like")}`;
  const like = button(likeLabel(), "comment-like", async () => {
    const liked = !c.liked;
    await api(liked ? "POST" : "DELETE", `/bops/${current.bop.id}/comments/${c.uid}/like`);
    c.liked = liked;
    c.like_count += liked ? 1 : -1;
    like.textContent = likeLabel();
    like.setAttribute("aria-pressed", String(liked));
  }, c.liked);
  actions.append(like);
  if (!c.parent_uid) actions.append(button("Reply", "comment-reply", () => setMode("reply", c)));
  if (c.mine) {
    actions.append(button("Edit", "comment-edit", () => setMode("edit", c)));
    actions.append(button("Delete", "comment-delete", () => deleteComment(c)));
  } else {
    actions.append(button("Report", "comment-report", () => openReport("comment", c.uid, `${c.author}'s comment`)));
  }
  item.append(head, body, actions);
  return item;
}

function badge(text) {
  const span = document.createElement("span");
  span.className = "badge";
  span.textContent = text;
  return span;
}

// Replying to or editing a comment changes what the form at the bottom does.
function setMode(mode, comment) {
  replyTo = mode === "reply" ? comment : null;
  editing = mode === "edit" ? comment : null;
  const bar = $("comment-mode");
  bar.hidden = !mode;
  $("comment-mode-text").textContent =
    mode === "reply" ? `Replying to ${comment.author}` : mode === "edit" ? "Editing your comment" : "";
  $("comment-body").value = editing ? editing.body : "";
  $("comment-submit").textContent = editing ? "Save" : replyTo ? "Reply" : "Post";
  $("comment-error").hidden = true;
  if (mode) $("comment-body").focus();
}

async function submitComment(event) {
  event.preventDefault();
  const body = $("comment-body").value;
  $("comment-error").hidden = true;
  try {
    if (editing) {
      await api("PATCH", `/bops/${current.bop.id}/comments/${editing.uid}`, { body });
    } else {
      await api("POST", `/bops/${current.bop.id}/comments`, { body, parent_id: replyTo ? replyTo.uid : null });
      current.bop.comment_count += 1;
      current.changed();
    }
    setMode(null, null);
    await loadThread();
    $("comments-status").textContent = "Posted.";
  } catch (error) {
    const fields = (error.data && error.data.fields) || {};
    $("comment-error").textContent = fields.body || fields.parent_id || error.message;
    $("comment-error").hidden = false;
  }
}

async function deleteComment(c) {
  if (!confirm("Delete your comment?")) return;
  await api("DELETE", `/bops/${current.bop.id}/comments/${c.uid}`);
  current.bop.comment_count = Math.max(0, current.bop.comment_count - 1);
  current.changed();
  await loadThread();
  $("comments-status").textContent = "Deleted.";
}

// Reporting: a reason from the short list, optional words, sent to the label.
export async function openReport(kind, id, what) {
  reasons = reasons || (await api("GET", "/reports/reasons")).items;
  const list = $("report-reasons");
  list.replaceChildren();
  for (const r of reasons) {
    const label = document.createElement("label");
    label.className = "choice";
    const input = document.createElement("input");
    input.type = "radio";
    input.name = "reason";
    input.value = r.code;
    label.append(input, " ", r.label);
    list.append(label);
  }
  const form = $("report-form");
  form.dataset.kind = kind;
  form.dataset.id = id;
  $("report-what").textContent = what;
  $("report-details").value = "";
  $("report-error").hidden = true;
  $("report-sent").hidden = true;
  form.hidden = false;
  $("report-dialog").showModal();
}

async function submitReport(event) {
  event.preventDefault();
  const form = event.target;
  const reason = form.querySelector("input[name=reason]:checked");
  $("report-error").hidden = true;
  try {
    await api("POST", "/reports", {
      kind: form.dataset.kind,
      id: form.dataset.id,
      reason: reason ? reason.value : "",
      details: $("report-details").value,
    });
    form.hidden = true;
    $("report-sent").hidden = false;
    $("report-sent").focus();
  } catch (error) {
    const fields = (error.data && error.data.fields) || {};
    $("report-error").textContent = fields.reason || fields.details || fields.id || error.message;
    $("report-error").hidden = false;
  }
}
