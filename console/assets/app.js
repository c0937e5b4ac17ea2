// The console's start: its configuration, the sign-in, then the Users list. Which options the caller
// may grant comes from the role table the service serves (config.json), applied to the token's roles.
import { account, caller, roleNames, signOut } from "./api.js";
import { $, busy, problem, show } from "./dom.js";
import * as invite from "./invite.js";
import { SignInProblem, developmentForm, finishOidc, startOidc } from "./signin.js";
import * as users from "./users.js";

let config = null;

// An inviter role lets the caller invite at all; then every held role adds what it grants.
function rights(roles) {
  const held = config.roles.filter((r) => roles.includes(r.name));
  const mayInvite = held.some((r) => r.manages);
  return { mayInvite, grants: mayInvite ? [...new Set(held.flatMap((r) => r.grants))] : [] };
}

const sentence = (e) => (e instanceof SignInProblem ? e.message : "The sign-in did not work. Try again in a moment.");

function showSignIn() {
  $("who").hidden = true;
  $("sign-out").hidden = true;
  show("sign-in", false);
}

function unauthorized() {
  signOut();
  showSignIn();
  problem("Your sign-in has expired or is not valid. Sign in again.");
}

function signedIn() {
  const claims = caller();
  if (!account()) {
    signOut();
    showSignIn();
    return problem("Your sign-in names no account, so there are no users to show. Sign in for an account.");
  }
  problem("");
  $("who-name").textContent = claims.email || claims.preferred_username || claims.username || claims.sub || "";
  $("who-account").textContent = account();
  $("who").hidden = false;
  $("sign-out").hidden = false;
  const { mayInvite, grants } = rights(roleNames(claims.roles));
  $("invite-open").hidden = !mayInvite;
  invite.allow(grants);
  show("users");
  return users.reset();
}

async function boot() {
  const resp = await fetch("/console/config.json", { cache: "no-store", credentials: "omit" });
  config = await resp.json();
  users.setUp({ unauthorized, mayInvite: () => !$("invite-open").hidden });
  invite.setUp(config.access, {
    unauthorized,
    back: () => {
      show("users");
      users.reset();
    },
  });
  $("invite-open").addEventListener("click", () => invite.open());
  $("sign-out").addEventListener("click", () => {
    signOut();
    problem("");
    showSignIn();
  });
  const signIn = config.sign_in;
  if (signIn.kind !== "oidc") {
    developmentForm(signIn, config.roles, signedIn);
    return showSignIn();
  }
  $("oidc-sign-in-button").addEventListener("click", (event) => busy(event.currentTarget, async () => {
    try {
      await startOidc(signIn);
    } catch (e) {
      problem(sentence(e));
    }
  }));
  $("oidc-sign-in").hidden = false;
  try {
    if (await finishOidc(signIn)) return signedIn();
  } catch (e) {
    problem(sentence(e));
  }
  showSignIn();
}

boot().catch(() => problem("The console could not start because its configuration did not load. Reload the page."));
