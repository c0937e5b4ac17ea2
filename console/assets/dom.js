// Building the page from data. Every value from the API or a token goes in as a text node or through
// textContent; nothing here parses a string as markup, so an address full of tags stays text.

export const $ = (id) => document.getElementById(id);

// el("td", {class: "x"}, "text", child): attribute names are the code's own, never the data's.
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Text read by screen readers only.
export const hidden = (text) => el("span", { class: "visually-hidden" }, text);

const VIEWS = ["sign-in", "users", "invite", "result"];

// Shows one of the main views and moves focus to its heading, so keyboard and screen reader users
// land where the page changed.
export function show(view, focus = true) {
  $("starting").hidden = true;
  for (const id of VIEWS) $(id).hidden = id !== view;
  const heading = $(view).querySelector("h1");
  if (focus && heading) heading.focus();
}

export function problem(text) {
  $("problem").textContent = text || "";
  $("problem").hidden = !text;
}

// Runs `work` with `button` disabled, showing what fails as a sentence.
export async function busy(button, work) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

// Asks before an action: resolves true when the person confirms, false when they go back (the button,
// Escape, or closing the dialog). Focus returns to where it was.
export function confirm({ title, text, action }) {
  const dialog = $("confirm");
  const before = document.activeElement;
  $("confirm-title").textContent = title;
  $("confirm-text").textContent = text;
  $("confirm-ok").textContent = action;
  return new Promise((resolve) => {
    const done = (answer) => {
      $("confirm-ok").removeEventListener("click", yes);
      $("confirm-back").removeEventListener("click", no);
      dialog.removeEventListener("close", no);
      if (dialog.open) dialog.close();
      if (before && before.isConnected) before.focus();
      resolve(answer);
    };
    const yes = () => done(true);
    const no = () => done(false);
    $("confirm-ok").addEventListener("click", yes);
    $("confirm-back").addEventListener("click", no);
    dialog.addEventListener("close", no);
    dialog.showModal();
    $("confirm-back").focus();
  });
}
