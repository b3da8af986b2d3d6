// The dialogs' behaviour in the browser (Write Off Invoice or Debit Memo, Reverse Write-Off).
// It does no arithmetic: the server computes every total (SPEC Q4); this only opens and closes
// a dialog, copies balances the server rendered into the inputs, shows or hides the accounting
// code, and keeps the clerk told when a request could not be answered. A dialog's form has the
// class `dialog-form`, and its alert at the top `dialog-errors`.
"use strict";

const DIALOG_FORM = "form.dialog-form";

document.addEventListener("htmx:afterSwap", (event) => {
  const dialog = event.detail.target.querySelector(".modal");
  if (dialog) {
    openDialog(dialog);
  }
});

// A refused save: its messages are in place (the event comes after the swap has settled);
// take the clerk to the first problem in reading order, which the server names.
document.addEventListener("writeOffRefused", (event) => {
  document.getElementById(event.detail.focus)?.focus();
});

function openDialog(dialog) {
  const modal = bootstrap.Modal.getOrCreateInstance(dialog);
  dialog.addEventListener("shown.bs.modal", () =>
    dialog.querySelector("input:not([type=hidden]), .modal-footer button")?.focus(),
  );
  dialog.addEventListener("hide.bs.modal", (event) => confirmDiscard(dialog, event));
  dialog.addEventListener("hidden.bs.modal", () => {
    modal.dispose();
    dialog.remove();
    document.getElementById("more-actions")?.focus();
  });
  dialog.addEventListener("keydown", (event) => keepTabInside(dialog, event));
  modal.show();
}

// Escape, Cancel and the close button all hide the dialog: ask before what was entered is
// lost. In a write-off, that is an amount typed; in a reversal, any field changed from what the
// dialog opened with.
function confirmDiscard(dialog, event) {
  const form = dialog.querySelector(DIALOG_FORM);
  if (!form) {
    return;
  }
  const question = form.dataset.discardQuestion;
  const entered = question
    ? [...form.elements].some(changedFromItsStart)
    : [...form.querySelectorAll("input.amount")].some((input) => input.value.trim());
  if (entered && !window.confirm(question || "Discard the amounts you typed?")) {
    event.preventDefault();
  }
}

function changedFromItsStart(element) {
  if (element.type === "hidden" || element.type === "submit" || element.type === "button") {
    return false;
  }
  if (element.options) {
    return [...element.options].some((option) => option.selected !== option.defaultSelected);
  }
  return element.value !== element.defaultValue;
}

// Bootstrap brings focus back only once it has left the page; wrap Tab at the ends instead,
// so focus never leaves the dialog, not even for the browser's own toolbar.
function keepTabInside(dialog, event) {
  if (event.key !== "Tab") {
    return;
  }
  const focusable = [...dialog.querySelectorAll("input, select, textarea, button, [href]")].filter(
    (element) => !element.disabled && element.type !== "hidden" && element.offsetParent !== null,
  );
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (event.shiftKey && document.activeElement === first) {
    last.focus();
    event.preventDefault();
  } else if (!event.shiftKey && document.activeElement === last) {
    first.focus();
    event.preventDefault();
  }
}

function fill(input, value) {
  input.value = value;
  // An input event like typing's, so the live total recalculates.
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

// A Full button fills the input beside it with the line's balance.
function fillFrom(button) {
  fill(button.parentElement.querySelector("input"), button.dataset.fill);
}

document.addEventListener("click", (event) => {
  const one = event.target.closest("[data-fill]");
  if (one) {
    fillFrom(one);
    return;
  }
  const all = event.target.closest("[data-fill-all]");
  if (all) {
    fillAll(all.closest("form"));
    return;
  }
  const showAll = event.target.closest("[data-show-all]");
  if (showAll) {
    showAllLines(showAll);
  }
});

// Write off all balances: every line, those of a long document not shown yet included, which
// are loaded first. If they could not be, nothing is filled (the clerk is told why).
async function fillAll(form) {
  if (await loadAllLines(form)) {
    form.querySelectorAll("[data-fill]").forEach(fillFrom);
  }
}

// Show all lines: the lines of a long document not shown yet, at once; focus moves on to
// Write off all balances beside it, as it hides itself (see htmx:beforeSwap below).
async function showAllLines(button) {
  const form = button.closest("form");
  const hadFocus = document.activeElement === button;
  if ((await loadAllLines(form)) && hadFocus) {
    form.querySelector("[data-fill-all]").focus();
  }
}

// Whether every line of the document is shown, after loading those that were not.
async function loadAllLines(form) {
  let more;
  while ((more = form.querySelector("tr.more-lines"))) {
    const button = more.querySelector("button");
    try {
      await htmx.ajax("GET", button.dataset.rest, { source: button, target: more, swap: "outerHTML" });
    } catch {
      return false; // no answer (the clerk is told), or a newer request replaced this one
    }
    if (more.isConnected) {
      return false;
    }
  }
  return true;
}

// A long document's lines come a page at a time (the row `tr.more-lines`). When that row's
// button had focus, focus goes on to the first line loaded, where Tab would have taken it.
let focusAfterRow = null;

document.addEventListener("htmx:afterSwap", (event) => {
  if (focusAfterRow && event.target.parentElement === focusAfterRow.parentElement) {
    const focusable = "input.amount:not(:disabled), button";
    let row = focusAfterRow.nextElementSibling;
    focusAfterRow = null;
    while (row && !row.querySelector(focusable)) {
      row = row.nextElementSibling;
    }
    row?.querySelector(focusable).focus();
  }
});

document.addEventListener("change", (event) => {
  if (event.target.id === "id_revenue_impacting") {
    const field = document.getElementById("accounting-code-field");
    field.hidden = event.target.checked;
  }
});

// The comment says how many characters are left, or how many too many, as the clerk types or
// pastes; the server refuses a comment that is too long, and nothing is ever cut silently.
document.addEventListener("input", (event) => {
  const counter = event.target.id && document.getElementById(`${event.target.id}_left`);
  if (counter) {
    const left = Number(event.target.dataset.maxLength) - event.target.value.length;
    const count = Math.abs(left);
    const characters = `${count} character${count === 1 ? "" : "s"}`;
    counter.textContent = left >= 0 ? `${characters} left` : `${characters} too many`;
    counter.classList.toggle("text-danger", left < 0);
  }
});

// When the server puts a message next to a field or line, mark that input invalid (or valid).
// A message's id is its input's id with "_error" added.
document.addEventListener("htmx:oobAfterSwap", (event) => {
  const message = event.detail.target;
  if (message.classList?.contains("field-message")) {
    const input = document.getElementById(message.id.replace(/_error$/, ""));
    input?.setAttribute("aria-invalid", message.textContent.trim() !== "" ? "true" : "false");
  }
});

function csrfToken() {
  const cookie = document.cookie.split("; ").find((part) => part.startsWith("csrftoken="));
  return cookie ? decodeURIComponent(cookie.split("=")[1]) : null;
}

// The CSRF token as it is now: signing in again (in another tab, say) replaces it, and the
// token written into the page when it loaded would then be refused.
document.addEventListener("htmx:configRequest", (event) => {
  const token = csrfToken();
  if (token) {
    event.detail.headers["X-CSRFToken"] = token;
  }
  if (!event.detail.elt.closest?.("#write-off-form")) {
    return;
  }
  // In a write-off, post only the amounts the clerk typed: a blank line is zero (SPEC W6),
  // and a 2,000-line invoice would otherwise send 2,000 fields with every keystroke.
  const formData = event.detail.formData;
  for (const [name, value] of [...formData.entries()]) {
    if (name.startsWith("amount_") && typeof value === "string" && value.trim() === "") {
      formData.delete(name);
    }
  }
});

// Before an answer's messages are put in place: clear the line messages of the previous
// answer (the server sends only those of lines that have one), or, when the session has
// ended and the answer is the sign-in page, say so instead of swapping anything.
document.addEventListener("htmx:beforeSwap", (event) => {
  // A page's own polling (a bulk job's progress) answered by the sign-in page: the session
  // has ended, so go there (it brings the clerk back here) rather than show it in this page.
  const pollLoginUrl = event.detail.elt.dataset?.pollLoginUrl;
  if (pollLoginUrl && new URL(event.detail.xhr.responseURL).pathname === pollLoginUrl) {
    event.detail.shouldSwap = false;
    window.location.assign(event.detail.xhr.responseURL);
    return;
  }
  const form = event.detail.elt.closest?.(DIALOG_FORM);
  if (!form || !event.detail.shouldSwap) {
    return;
  }
  if (new URL(event.detail.xhr.responseURL).pathname === form.dataset.loginUrl) {
    event.detail.shouldSwap = false;
    tellClerk(
      form,
      "Your session has ended, so nothing was saved. Sign in again in a new tab, then come " +
        `back and save: ${form.dataset.kept} here.`,
      { href: form.dataset.loginUrl, text: "Sign in in a new tab" },
    );
    return;
  }
  const more = event.detail.elt;
  if (more.matches("tr.more-lines")) {
    // More lines, not an answer to what was typed: the messages stay. The last of them: no
    // line is left to show.
    focusAfterRow = more.contains(document.activeElement) ? more.previousElementSibling : null;
    if (!event.detail.serverResponse.includes('class="more-lines"')) {
      form.querySelector("[data-show-all]")?.setAttribute("hidden", "");
    }
    return;
  }
  form.querySelectorAll("tbody .field-message:not(:empty)").forEach((message) => {
    message.textContent = "";
    document.getElementById(message.id.replace(/_error$/, ""))?.setAttribute("aria-invalid", "false");
  });
});

// A message appearing, or the total growing, can push the field being typed into out of view:
// bring it back.
document.addEventListener("htmx:afterSettle", (event) => {
  const form = event.detail.elt.closest?.(DIALOG_FORM);
  if (form?.contains(document.activeElement) && document.activeElement.matches("input")) {
    document.activeElement.scrollIntoView({ block: "nearest" });
  }
});

// An answer htmx will not show (a 4xx or 5xx, or no answer at all) is said, never ignored.
function tellAboutFailure(event) {
  const form = event.detail.elt.closest?.(DIALOG_FORM);
  if (!form) {
    return;
  }
  const status = event.detail.xhr?.status;
  tellClerk(
    form,
    status === 403
      ? "The server refused this request (403): you may have signed in as someone else, or lost " +
          "the permission to do this. Nothing was saved."
      : `The server could not answer (${status || "no connection"}). Nothing was saved; ` +
          `${form.dataset.kept}. Try again in a moment.`,
  );
}

document.addEventListener("htmx:responseError", tellAboutFailure);
document.addEventListener("htmx:sendError", tellAboutFailure);

function tellClerk(form, text, link) {
  const alert = document.createElement("div");
  alert.className = "alert alert-warning mb-3";
  alert.append(text);
  if (link) {
    const anchor = document.createElement("a");
    anchor.href = link.href;
    anchor.target = "_blank";
    anchor.rel = "noopener";
    anchor.className = "alert-link ms-1";
    anchor.textContent = link.text;
    alert.append(anchor);
  }
  const place = form.querySelector(".dialog-errors");
  place.replaceChildren(alert);
  place.focus();
}
