// The Users list: members and open invitations from the Users route, or the account's closed
// invitations from the invitations route, a page at a time with the API's cursor; Cancel, Resend and
// Remove on the rows they apply to, each confirmed and shown in its row at once.
import { accountPath, call } from "./api.js";
import { $, confirm, el, hidden } from "./dom.js";
import { accessLines, dateText, deliveryText, errorText, seatsText, statusWord } from "./words.js";

// The table's columns, in order: a new column (the email's delivery status, say) is one entry here.
const COLUMNS = [
  { header: "Email", cell: emailCell },
  { header: "Status", cell: statusCell },
  { header: "Access", cell: (row) => accessLines(row.access).map((line) => el("div", {}, line)) },
  { header: "Invited or joined", cell: timeCell },
  { header: "Email delivery", cell: (row) => deliveryText(row.delivery) },
  { header: "Actions", cell: actionsCell },
];

// `loading` numbers each load, so the answer of one a later load overtook is dropped.
const list = { pages: [null], at: 0, handlers: null, loading: 0 };

// A row of either route, in one shape.
function fromUser(u) {
  return { email: u.email, status: u.status, access: u.access, invitationId: u.invitation_id,
    userId: u.user_id, joinedAt: u.joined_at, invitedAt: u.invited_at, delivery: u.delivery, note: "" };
}

function fromInvitation(i) {
  return { email: i.email, status: i.status, access: i.access, invitationId: i.id,
    userId: i.user_id, invitedAt: i.created_at, delivery: i.delivery, note: "" };
}

function emailCell(row) {
  return [el("span", { class: "email" }, row.email), row.userId ? el("span", { class: "sub" }, "User ID " + row.userId) : null];
}

function statusCell(row) {
  return [el("span", { class: "status status-" + row.status }, statusWord(row.status)),
    row.note ? el("span", { class: "row-note" }, row.note) : null];
}

function timeCell(row) {
  const [label, at] = row.joinedAt ? ["Joined", row.joinedAt] : ["Invited", row.invitedAt];
  return at ? [label + " ", el("time", { datetime: at }, dateText(at))] : null;
}

const ACTIONS = {
  cancel: {
    applies: (row) => row.invitationId && (row.status === "processing" || row.status === "pending"),
    label: "Cancel",
    confirm: (row) => ({ title: "Cancel this invitation?", action: "Cancel invitation",
      text: row.email + " will no longer be able to accept it. You can invite them again later." }),
    run: (row) => call("DELETE", accountPath("invitations", row.invitationId)),
    done: (row, answer) => Object.assign(row, fromInvitation(answer.data), { note: "Invitation cancelled." }),
    what: "This invitation",
  },
  resend: {
    applies: (row) => row.invitationId && row.status === "pending",
    label: "Resend",
    confirm: (row) => ({ title: "Resend this invitation?", action: "Resend invitation",
      text: row.email + " gets a new email; the link in the earlier one stops working." }),
    run: (row) => call("POST", accountPath("invitations", row.invitationId, "resend")),
    done: (row, answer) => Object.assign(row, fromInvitation(answer.data), { note: "Sent again." }),
    what: "This invitation",
  },
  remove: {
    applies: (row) => row.userId && row.status === "active",
    label: "Remove",
    confirm: (row) => ({ title: "Remove this user?", action: "Remove user",
      text: row.email + " loses access to the account. You can invite them again later." }),
    run: (row) => call("DELETE", accountPath("users", row.userId)),
    done: (row) => Object.assign(row, { status: "removed", note: "Removed from the account." }),
    what: "This user",
  },
};

function actionsCell(row) {
  const buttons = Object.entries(ACTIONS).filter(([, a]) => a.applies(row)).map(([name, a]) => {
    const button = el("button", { type: "button", class: "row-action", "data-action": name },
      a.label, hidden(" " + row.email));
    button.addEventListener("click", () => act(row, a, button));
    return button;
  });
  return buttons.length ? el("div", { class: "row-actions" }, buttons) : null;
}

function renderRow(row) {
  const tr = el("tr", {}, COLUMNS.map((c) => el("td", { "data-column": c.header }, c.cell(row))));
  row.element = tr;
  return tr;
}

function announce(text) {
  $("list-note").textContent = text;
}

async function act(row, action, button) {
  if (!(await confirm(action.confirm(row)))) return;
  button.disabled = true;
  const answer = await action.run(row);
  if (answer.status === 401) return list.handlers.unauthorized();
  if (answer.ok) {
    action.done(row, answer);
    loadSeats();
  } else row.note = errorText(answer, action.what);
  announce(row.email + ": " + row.note);
  const old = row.element;
  old.replaceWith(renderRow(row));
  // Keep the keyboard where it was: on the row's next action, else on the row itself.
  const next = row.element.querySelector("button:not([disabled])") || row.element.querySelector("td");
  if (next.tagName === "TD") next.setAttribute("tabindex", "-1");
  next.focus();
}

function filter() {
  const [source, status] = $("filter-status").value.split(":");
  return { source, status, delivery: $("filter-delivery").value, search: $("search").value.trim(), limit: $("page-size").value };
}

function emptyText({ source, status, delivery, search }) {
  if (search) return "No one whose email address begins with “" + search + "” is in this list.";
  if (delivery) return "No invitation in this list has an email SES reported that way.";
  if (source === "invitations") return "There are no " + statusWord(status).toLowerCase() + " invitations.";
  if (status) return "No users are " + statusWord(status).toLowerCase() + ".";
  return list.handlers.mayInvite()
    ? "No users yet. Invite the first ones with Invite users."
    : "No users yet.";
}

export async function load() {
  const f = filter();
  const query = { limit: f.limit, cursor: list.pages[list.at] || undefined, delivery: f.delivery };
  let path = accountPath("users");
  if (f.source === "users") {
    query.status = f.status;
    query.email_prefix = f.search;
  } else {
    path = accountPath("invitations");
    query.status = f.status;
    if (f.search && !f.search.includes("@")) {
      return showRows([], f, "To search invitations that are no longer open, type the whole email address.");
    }
    query.email = f.search;
  }
  announce("Loading…");
  const mine = ++list.loading;
  const answer = await call("GET", path, { query });
  if (mine !== list.loading) return;
  if (answer.status === 401) return list.handlers.unauthorized();
  if (!answer.ok) return showRows([], f, errorText(answer));
  const rows = f.source === "users" ? answer.data.users.map(fromUser) : answer.data.invitations.map(fromInvitation);
  list.pages.length = list.at + 1;
  if (answer.data.next_cursor) list.pages.push(answer.data.next_cursor);
  showRows(rows, f, "");
}

function showRows(rows, f, note) {
  $("rows").replaceChildren(...rows.map(renderRow));
  $("users-table").hidden = rows.length === 0;
  $("empty").hidden = rows.length > 0 || Boolean(note);
  $("empty").textContent = rows.length ? "" : emptyText(f);
  $("previous-page").disabled = list.at === 0;
  $("next-page").disabled = list.pages.length <= list.at + 1;
  $("pages").hidden = $("previous-page").disabled && $("next-page").disabled;
  const page = list.at > 0 || !$("next-page").disabled ? "Page " + (list.at + 1) + ". " : "";
  announce(note || page + (rows.length === 1 ? "1 row." : rows.length + " rows."));
}

// The seats line above the list; left out when the seats cannot be read, as the list says why itself.
async function loadSeats() {
  const answer = await call("GET", accountPath("seats"));
  $("seats").hidden = !answer.ok;
  $("seats").textContent = answer.ok ? seatsText(answer.data) : "";
}

export function reset() {
  list.pages = [null];
  list.at = 0;
  loadSeats();
  return load();
}

// handlers: { unauthorized(), mayInvite() }
export function setUp(handlers) {
  list.handlers = handlers;
  $("users-head").replaceChildren(...COLUMNS.map((c) => el("th", { scope: "col" }, c.header)));
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    reset();
  });
  for (const id of ["filter-status", "filter-delivery", "page-size"]) $(id).addEventListener("change", () => reset());
  $("previous-page").addEventListener("click", () => {
    list.at = Math.max(0, list.at - 1);
    load();
  });
  $("next-page").addEventListener("click", () => {
    list.at += 1;
    load();
  });
}
