// Invite users: one address or user ID, or many in a text box; the access options the caller's roles
// manage, and only those (the rest is "no access"); then one line per invitee with its outcome.
import { accountPath, call } from "./api.js";
import { $, busy, el, problem, show } from "./dom.js";
import { OPTION, errorText, levelWord, outcomeText } from "./words.js";

const form = { many: false, key: null, handlers: null, vocabulary: null };

const field = (id, label, attrs = {}) => [
  el("label", { for: id }, label),
  el("input", { id, autocomplete: "off", spellcheck: "false", ...attrs }),
];

function choices(name, legend, values) {
  return el("fieldset", { class: "choices" }, el("legend", {}, legend),
    values.map((v) => el("label", { class: "choice" }, el("input", { type: "checkbox", name, value: v }), " " + v)));
}

function optionFields(option, vocabulary) {
  switch (option) {
    case "iam":
      return [
        ...field("iam-service", "Service", { "aria-describedby": "iam-service-hint" }),
        el("p", { id: "iam-service-hint", class: "note" }, "Lower-case letters, digits and dashes, like cloud-object-storage."),
        ...field("iam-group", "Resource group (optional)"),
        choices("iam-role", "IAM roles", vocabulary.iam_roles),
      ];
    case "cloud_foundry":
      return [
        ...field("cf-org", "Org"),
        choices("cf-org-role", "Org roles", vocabulary.org_roles),
        el("fieldset", {}, el("legend", {}, "Space (optional)"),
          ...field("cf-region", "Region, like us-south"), ...field("cf-space", "Space"),
          choices("cf-space-role", "Space roles", vocabulary.space_roles)),
      ];
    case "infrastructure":
      return [
        el("label", { for: "infra-permissions" }, "Permissions"),
        el("select", { id: "infra-permissions" },
          vocabulary.infrastructure.map((p) => el("option", { value: p }, levelWord(p)))),
      ];
    default:
      return [];
  }
}

function accessSection(option, granted, vocabulary) {
  const legend = el("legend", {}, OPTION[option] || option);
  if (!granted) {
    return el("fieldset", { class: "option", id: "access-" + option, "data-granted": "false" }, legend,
      el("p", { class: "no-access" }, "No access: your roles do not manage it."));
  }
  const fields = el("div", { class: "option-fields", id: "fields-" + option, hidden: true }, optionFields(option, vocabulary));
  const assign = el("input", { type: "checkbox", id: "assign-" + option });
  assign.addEventListener("change", () => {
    fields.hidden = !assign.checked;
    if (assign.checked) fields.querySelector("input, select").focus();
  });
  return el("fieldset", { class: "option", id: "access-" + option, "data-granted": "true" }, legend,
    el("label", { class: "choice" }, assign, " Assign " + (OPTION[option] || option) + " access"), fields);
}

const value = (id) => ($(id) ? $(id).value.trim() : "");
const checked = (name) => [...document.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
const assigned = (option) => Boolean($("assign-" + option) && $("assign-" + option).checked);

// The access object, or the sentence saying what is missing.
function access() {
  const out = {};
  if (assigned("iam")) {
    if (!value("iam-service")) throw new Error("Name the IAM service, like cloud-object-storage.");
    if (!checked("iam-role").length) throw new Error("Choose at least one IAM role.");
    const policy = { service: value("iam-service"), roles: checked("iam-role") };
    if (value("iam-group")) policy.resource_group = value("iam-group");
    out.iam = [policy];
  }
  if (assigned("cloud_foundry")) {
    if (!value("cf-org")) throw new Error("Name the Cloud Foundry org.");
    const cf = { org: value("cf-org"), org_roles: checked("cf-org-role"), spaces: [] };
    const space = [value("cf-region"), value("cf-space"), checked("cf-space-role").length];
    if (space.some(Boolean)) {
      if (!space.every(Boolean)) throw new Error("A Cloud Foundry space needs its region, its name and at least one role.");
      cf.spaces.push({ region: value("cf-region"), space: value("cf-space"), roles: checked("cf-space-role") });
    }
    if (!cf.org_roles.length && !cf.spaces.length) throw new Error("Choose a Cloud Foundry org role or add a space.");
    out.cloud_foundry = cf;
  }
  if (assigned("infrastructure")) out.infrastructure = { permissions: value("infra-permissions") };
  if (!Object.keys(out).length) throw new Error("Assign at least one kind of access.");
  return out;
}

function setMany(many) {
  form.many = many;
  $("one-invitee").hidden = many;
  $("many-invitees").hidden = !many;
  $(many ? "invitees" : "invitee").focus();
}

function showResults(results) {
  const invited = results.filter((r) => r.outcome === "invited").length;
  const others = results.length - invited;
  $("result-title").textContent = invited ? "Invitations sent" : "No one was invited";
  $("result-summary").textContent = invited + " invited" + (others ? ", " + others + " not invited." : ".");
  $("results").replaceChildren(...results.map((r) => el("li", { class: "outcome-" + r.outcome },
    el("span", { class: "invitee" }, r.invitee), " ", el("span", { class: "outcome" }, outcomeText(r)))));
  show("result");
}

async function submit() {
  problem("");
  const invitees = form.many ? value("invitees") : value("invitee");
  let body;
  try {
    if (!invitees) throw new Error(form.many ? "Type at least one email address or user ID." : "Type an email address or user ID.");
    body = { invitees, access: access() };
  } catch (e) {
    return problem(e.message);
  }
  // One key for this form's content: sending it again after a failure sends no email twice.
  form.key = form.key || crypto.randomUUID();
  const answer = await call("POST", accountPath("invitations"), { body, headers: { "idempotency-key": form.key } });
  if (answer.status === 401) return form.handlers.unauthorized();
  if (!answer.ok) return problem(errorText(answer));
  form.key = null;
  showResults(answer.data.results);
}

// The access part for the options the signed-in caller may grant; the others show "no access".
export function allow(grants) {
  const vocabulary = form.vocabulary;
  $("access").replaceChildren(...vocabulary.options.map((o) => accessSection(o, grants.includes(o), vocabulary)));
}

// Once, at start; handlers: { unauthorized(), back() }.
export function setUp(vocabulary, handlers) {
  form.handlers = handlers;
  form.vocabulary = vocabulary;
  $("invite-form").addEventListener("input", () => { form.key = null; });
  $("invite-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("invite-submit"), submit);
  });
  $("many-toggle").addEventListener("click", () => setMany(true));
  $("one-toggle").addEventListener("click", () => setMany(false));
  $("invite-cancel").addEventListener("click", () => handlers.back());
  $("result-back").addEventListener("click", () => handlers.back());
  $("result-again").addEventListener("click", () => open());
}

export function open() {
  problem("");
  $("invite-form").reset();
  for (const fields of document.querySelectorAll(".option-fields")) fields.hidden = true;
  form.key = null;
  form.many = false;
  $("one-invitee").hidden = false;
  $("many-invitees").hidden = true;
  show("invite");
}
