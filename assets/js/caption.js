// A caption as DOM nodes: #hashtags link to a search for the tag and
// @handles to the artist's page; everything else is a text node, never
// markup. The same rules as the server's src/web/caption.rs.

const TAG = /^[\p{L}\p{N}_]+/u;
const HANDLE = /^[A-Za-z0-9_]+/;

/// Fills `element` with `caption`; `onTag(tag)` and `onHandle(handle)`
/// run when a link is clicked (the links still work without them).
export function renderCaption(element, caption, onTag, onHandle) {
  element.textContent = "";
  let text = "";
  const flush = () => { if (text) element.append(document.createTextNode(text)); text = ""; };
  const chars = Array.from(caption);
  for (let i = 0; i < chars.length; i++) {
    const sign = chars[i];
    const startsWord = i === 0 || /\s/u.test(chars[i - 1]);
    const rest = chars.slice(i + 1).join("");
    const word = sign === "#" ? rest.match(TAG) : sign === "@" ? rest.match(HANDLE) : null;
    const ok = startsWord && word && (sign === "#" || (word[0].length >= 3 && word[0].length <= 30));
    if (!ok) { text += sign; continue; }
    flush();
    const link = document.createElement("a");
    if (sign === "#") {
      const tag = word[0];
      link.className = "hashtag";
      link.href = "/search?q=" + encodeURIComponent("#" + tag);
      link.textContent = "#" + tag;
      if (onTag) link.addEventListener("click", (event) => { event.preventDefault(); onTag(tag); });
    } else {
      const handle = word[0].toLowerCase();
      link.className = "mention";
      link.href = "/@" + handle;
      link.textContent = "@" + handle;
      if (onHandle) link.addEventListener("click", (event) => { event.preventDefault(); onHandle(handle); });
    }
    element.append(link);
    i += Array.from(word[0]).length;
  }
  flush();
}
