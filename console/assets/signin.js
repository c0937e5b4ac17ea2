// Signing in. Deployed: OpenID Connect's authorization code flow with PKCE (S256), state and nonce,
// against the issuer the API's JWT authorizer trusts. Locally: the local server's development sign-in.
// Either way the token ends up in api.js's memory and nowhere else.
import { call, readClaims, signIn } from "./api.js";
import { $, busy, el, problem } from "./dom.js";
import { errorText } from "./words.js";

// A sign-in that did not work, with the sentence to show; anything else thrown is a fault of the page's.
export class SignInProblem extends Error {}

// What must survive the trip to the issuer and back: the verifier, state and nonce of the sign-in
// this page started (never a token). Removed the moment the page returns.
const PENDING = "invitations.sign-in";

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const random = (n) => base64url(crypto.getRandomValues(new Uint8Array(n)));

async function challenge(verifier) {
  return base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
}

const redirectUri = () => location.origin + "/";

async function discover(oidc) {
  const url = oidc.issuer.replace(/\/$/, "") + "/.well-known/openid-configuration";
  let doc;
  try {
    const resp = await fetch(url, { credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer" });
    doc = resp.ok ? await resp.json() : null;
  } catch (_) {
    doc = null;
  }
  if (!doc || doc.issuer !== oidc.issuer || !doc.authorization_endpoint || !doc.token_endpoint) {
    throw new SignInProblem("The sign-in service could not be reached or does not describe itself as expected. Try again later.");
  }
  return doc;
}

export async function startOidc(oidc) {
  const doc = await discover(oidc);
  const pending = { state: random(16), nonce: random(16), verifier: random(32), token_endpoint: doc.token_endpoint };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const url = new URL(doc.authorization_endpoint);
  const params = {
    response_type: "code",
    client_id: oidc.client_id,
    redirect_uri: redirectUri(),
    scope: oidc.scopes,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await challenge(pending.verifier),
    code_challenge_method: "S256",
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  location.assign(url.toString());
}

function audiences(aud) {
  return Array.isArray(aud) ? aud : [aud];
}

// The way back from the issuer: `true` once signed in, `false` when the address holds no answer.
// Throws a SignInProblem whose message is the sentence to show.
export async function finishOidc(oidc) {
  const params = new URLSearchParams(location.search);
  if (!params.has("code") && !params.has("error")) return false;
  // The code and state leave the address before anything else, so neither history nor a copied link
  // keeps them.
  history.replaceState(null, "", location.pathname);
  const saved = JSON.parse(sessionStorage.getItem(PENDING) || "null");
  sessionStorage.removeItem(PENDING);
  if (params.has("error")) {
    // Only the error's code: its description is whatever the address says, and the page vouches for none of it.
    const code = /^[a-z_]{1,64}$/.test(params.get("error") || "") ? " (" + params.get("error") + ")" : "";
    throw new SignInProblem("The sign-in service did not sign you in" + code + ". Sign in again.");
  }
  if (!saved || params.get("state") !== saved.state) {
    throw new SignInProblem("This sign-in answer does not belong to a sign-in started on this page, so it was not used. Sign in again.");
  }
  const body = new URLSearchParams({
    grant_type: "authorization_code",
    code: params.get("code"),
    redirect_uri: redirectUri(),
    client_id: oidc.client_id,
    code_verifier: saved.verifier,
  });
  let tokens = null;
  try {
    const resp = await fetch(saved.token_endpoint, {
      method: "POST", body, credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    tokens = resp.ok ? await resp.json() : null;
  } catch (_) {
    tokens = null;
  }
  if (!tokens || typeof tokens.access_token !== "string" || typeof tokens.id_token !== "string") {
    throw new SignInProblem("The sign-in service did not hand out a token. Sign in again.");
  }
  // The ID token came straight from the token endpoint over a checked connection; what matters here is
  // that it answers this sign-in: the issuer, this client, the nonce sent, and not expired.
  const id = readClaims(tokens.id_token) || {};
  const fresh = typeof id.exp === "number" && id.exp * 1000 > Date.now();
  if (id.iss !== oidc.issuer || !audiences(id.aud).includes(oidc.client_id) || id.nonce !== saved.nonce || !fresh) {
    throw new SignInProblem("The sign-in service's answer is not for this sign-in, so it was not used. Sign in again.");
  }
  signIn(tokens.access_token);
  return true;
}

// The local server's development sign-in: the server signs a token for whoever is chosen here.
export function developmentForm(dev, roles, onSignedIn) {
  $("dev-account").value = dev.account || "";
  $("dev-user").value = dev.user || "";
  $("dev-email").value = dev.email || "";
  const held = (dev.roles || "").split(/\s+/);
  $("dev-roles").replaceChildren(...roles.map((role) => el("label", { class: "choice" },
    el("input", { type: "checkbox", name: "role", value: role.name, checked: held.includes(role.name) }),
    " " + role.name)));
  $("dev-sign-in").hidden = false;
  $("dev-sign-in").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("dev-sign-in-button"), async () => {
      problem("");
      const chosen = [...$("dev-roles").querySelectorAll("input:checked")].map((i) => i.value);
      const body = { account_id: $("dev-account").value.trim(), roles: chosen.join(" "), sub: $("dev-user").value.trim() };
      const email = $("dev-email").value.trim();
      if (email) body.email = email;
      const answer = await call("POST", "/dev/console-sign-in", { body });
      if (!answer.ok) return problem(errorText(answer));
      signIn(answer.data.token);
      onSignedIn();
    });
  });
}
