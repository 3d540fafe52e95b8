// Progressive enhancement shared by every page. Pages work without it.

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
