// The Write Off Invoice dialog's behaviour in the browser. It does no arithmetic: the server
// computes every total (SPEC Q4); this only opens and closes the dialog, copies balances the
// server rendered into the inputs, and shows or hides the accounting code.
"use strict";

document.addEventListener("htmx:afterSwap", (event) => {
  const dialog = event.detail.target.querySelector("#write-off-dialog");
  if (dialog) {
    openDialog(dialog);
  }
});

// A refused save: its messages are in place; take the clerk to the first one.
document.addEventListener("writeOffRefused", () => {
  const form = document.getElementById("write-off-form");
  const target = form?.querySelector("#write-off-errors:not(:empty), [aria-invalid=true]");
  target?.focus();
});

function openDialog(dialog) {
  const modal = bootstrap.Modal.getOrCreateInstance(dialog);
  dialog.addEventListener("shown.bs.modal", () => dialog.querySelector("input:not([type=hidden])")?.focus());
  dialog.addEventListener("hidden.bs.modal", () => {
    modal.dispose();
    dialog.remove();
    document.getElementById("more-actions")?.focus();
  });
  dialog.addEventListener("keydown", (event) => keepTabInside(dialog, event));
  modal.show();
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
    all.closest("form").querySelectorAll("[data-fill]").forEach(fillFrom);
  }
});

// Post only the amounts the clerk typed: a blank line is zero (SPEC W6), and a 2,000-line
// invoice would otherwise send 2,000 fields with every keystroke.
document.addEventListener("htmx:configRequest", (event) => {
  if (!event.detail.elt.closest?.("#write-off-form")) {
    return;
  }
  const formData = event.detail.formData;
  for (const [name, value] of [...formData.entries()]) {
    if (name.startsWith("amount_") && typeof value === "string" && value.trim() === "") {
      formData.delete(name);
    }
  }
});

// The server answers with the messages of the lines that have one; before they are put in
// place, clear those of the previous answer.
document.addEventListener("htmx:beforeSwap", (event) => {
  const form = event.detail.elt.closest?.("#write-off-form");
  if (!form || !event.detail.shouldSwap) {
    return;
  }
  form.querySelectorAll("tbody .field-message:not(:empty)").forEach((message) => {
    message.textContent = "";
    document.getElementById(message.id.replace(/_error$/, ""))?.setAttribute("aria-invalid", "false");
  });
});

document.addEventListener("change", (event) => {
  if (event.target.id === "id_revenue_impacting") {
    const field = document.getElementById("accounting-code-field");
    field.hidden = event.target.checked;
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
