// What the page says: statuses, access, outcomes and errors in words, never as codes or JSON.

const STATUS = {
  active: "Active",
  processing: "Processing",
  pending: "Pending",
  accepted: "Accepted",
  cancelled: "Cancelled",
  expired: "Expired",
  failed: "Failed",
  removed: "Removed",
};

export const statusWord = (status) => STATUS[status] || String(status);

const DELIVERY = {
  sent: "Sent",
  delivered: "Delivered",
  delayed: "Delayed",
  bounced: "Bounced",
  complained: "Marked as spam",
  suppressed: "Address suppressed",
  rejected: "Rejected",
};

// What SES last reported of the latest email, with its few words of why.
export function deliveryText(delivery) {
  if (!delivery) return "";
  const word = DELIVERY[delivery.status] || String(delivery.status);
  return delivery.detail ? word + " (" + delivery.detail + ")" : word;
}

export const OPTION = { iam: "IAM", cloud_foundry: "Cloud Foundry", infrastructure: "Classic infrastructure" };

const LEVEL = { view_only: "View only", basic_user: "Basic user", super_user: "Super user" };

export const levelWord = (level) => LEVEL[level] || String(level);

export const roleList = (roles) => (Array.isArray(roles) && roles.length ? " (" + roles.join(", ") + ")" : "");

// One line per assigned option; an option the invitation does not assign ("no_access") is left out.
export function accessLines(access) {
  const lines = [];
  if (!access || typeof access !== "object") return lines;
  if (Array.isArray(access.iam)) {
    const policies = access.iam.map((p) =>
      p.service + (p.resource_group ? " in " + p.resource_group : "") + roleList(p.roles));
    lines.push(OPTION.iam + ": " + policies.join("; "));
  }
  const cf = access.cloud_foundry;
  if (cf && typeof cf === "object") {
    const parts = ["org " + cf.org + roleList(cf.org_roles)];
    for (const s of cf.spaces || []) parts.push("space " + s.region + "/" + s.space + roleList(s.roles));
    lines.push(OPTION.cloud_foundry + ": " + parts.join(", "));
  }
  const infra = access.infrastructure;
  if (infra && typeof infra === "object") lines.push(OPTION.infrastructure + ": " + levelWord(infra.permissions));
  return lines;
}

const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const clock = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });

export function dateText(iso) {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? String(iso) : when.format(at);
}

// "at 14:02:31 (in 58 seconds)" for a Retry-After in seconds.
export function retryText(seconds) {
  const at = new Date(Date.now() + seconds * 1000);
  const wait = seconds === 1 ? "1 second" : seconds + " seconds";
  return "at " + clock.format(at) + " (in " + wait + ")";
}

export function outcomeText(result) {
  const inv = result.invitation;
  switch (result.outcome) {
    case "invited":
      return inv && inv.status === "processing"
        ? "Invited: the email goes out in a moment."
        : "Invited: the email is on its way.";
    case "already_invited":
      return "Not invited again: an invitation to this person is still open.";
    case "already_member":
      return "Not invited: already a member of the account.";
    case "undeliverable":
      return "Not invited: email to this address bounced or was marked as spam. Invite again with force to try anyway.";
    case "domain_not_allowed":
      return "Not invited: the account's settings do not allow this address's domain.";
    case "seat_limit_reached":
      return "Not invited: every seat of the account is taken. Cancel an invitation or remove a user to free one.";
    case "invalid":
      return "Not invited: " + sentence(result.error || "not a valid email address or user ID");
    default:
      return String(result.outcome);
  }
}

const count = (n, one, many) => n + " " + (n === 1 ? one : many);

// The account's seats in a sentence: members and open invitations, against the limit when it has one.
export function seatsText({ limit, active, pending }) {
  const taken = count(active, "member", "members") + " and " + count(pending, "open invitation", "open invitations");
  if (limit === null || limit === undefined) return "Seats: " + taken + ", no seat limit.";
  const free = Math.max(0, limit - active - pending);
  return "Seats: " + (active + pending) + " of " + limit + " taken (" + taken + "), " + count(free, "seat", "seats") + " free.";
}

const capital = (text) => text.charAt(0).toUpperCase() + text.slice(1);
const sentence = (text) => capital(String(text).trim()).replace(/([^.!?])$/, "$1.");

function optionIn(message) {
  const found = /\b(iam|cloud_foundry|infrastructure)\b/.exec(String(message || ""));
  return found ? OPTION[found[1]] : null;
}

// A failed call as a sentence. `what` names the thing acted on ("This invitation", "This user").
export function errorText(answer, what = "This") {
  const error = (answer.data && answer.data.error) || {};
  const message = error.message || "";
  switch (answer.status) {
    case 0:
      return "The service could not be reached. Check your connection and try again.";
    case 400:
      if (error.code === "invalid_cursor") return "The list changed while you paged through it. Start again from the first page.";
      return "The service did not accept this: " + sentence(message || "the request is not valid");
    case 401:
      return "Your sign-in has expired or is not valid. Sign in again.";
    case 403: {
      const option = optionIn(message);
      if (option && /remove/.test(message)) return "You may not remove a member who holds " + option + " access, because your roles do not manage it.";
      if (option) return "You may not grant " + option + " access: your roles do not manage it.";
      if (/another account/.test(message)) return "Your sign-in is for another account than this one.";
      return "Your roles do not let you manage the users of this account.";
    }
    case 404:
      return what + " no longer exists. Show the list again to see where things stand.";
    case 409: {
      if (error.code === "send_limit_reached") return what + " has had all the emails it may have; cancel it and invite again.";
      if (error.code === "idempotency_conflict" || error.code === "idempotency_in_progress") return "The same request is still being handled. Try again in a moment.";
      if (/yourself/.test(message)) return "You cannot remove yourself from the account.";
      const status = (/status: (\w+)/.exec(message) || [])[1];
      if (!status) return what + " changed in the meantime.";
      const word = statusWord(status).toLowerCase();
      if (["accepted", "cancelled", "expired", "failed"].includes(status)) return what + " is already " + word + ".";
      return what + " is " + word + " right now, so this cannot be done yet.";
    }
    case 413:
      return "That is too much for one request (over 64 KB). Invite fewer people at a time.";
    case 429:
      if (error.code === "resend_too_soon" && answer.retryAfter !== null) return "It was sent moments ago. You can resend it " + retryText(answer.retryAfter) + ".";
      return "Too many requests right now. Try again in a moment.";
    case 503:
      return "The service is unavailable for a moment and nothing was lost. Try again.";
    default:
      return "Something went wrong on the service's side (" + answer.status + "). Try again later.";
  }
}
