// The HTTP API, called with the signed-in user's bearer token. The token lives in this module's memory
// only: never in storage, a cookie or the address, so closing or reloading the page forgets it.

let bearer = null;
let claims = null;

function base64url(text) {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

// A JWT's claims, read without checking its signature: the API's authorizer checks it, the page only
// reads whom it names.
export function readClaims(token) {
  const parts = String(token).split(".");
  if (parts.length < 2) return null;
  try {
    const value = JSON.parse(base64url(parts[1]));
    return value && typeof value === "object" ? value : null;
  } catch (_) {
    return null;
  }
}

// Role names from a `roles` claim: space-separated, or `[a b]` as API Gateway flattens an array, or
// an array; as the API reads them.
export function roleNames(raw) {
  const text = Array.isArray(raw) ? raw.join(" ") : String(raw ?? "");
  return text.trim().replace(/^\[/, "").replace(/\]$/, "").split(/[\s,]+/).filter(Boolean);
}

export function signIn(token) {
  bearer = token;
  claims = readClaims(token) || {};
}

export function signOut() {
  bearer = null;
  claims = null;
}

export const signedIn = () => bearer !== null;
export const caller = () => claims;

// The account the token is scoped to, which every path names.
export const account = () => (claims && typeof claims.account_id === "string" ? claims.account_id : "");

export function accountPath(...segments) {
  return ["", "accounts", account(), ...segments].map(encodeURIComponent).join("/");
}

// One call: {ok, status, data, retryAfter}, or {status: 0} when the service could not be reached.
export async function call(method, path, { query, body, headers } = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== "") url.searchParams.set(k, v);
  const init = {
    method,
    headers: { ...(headers || {}) },
    cache: "no-store",
    credentials: "omit",
    referrerPolicy: "no-referrer",
  };
  if (bearer) init.headers.authorization = "Bearer " + bearer;
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(url, init);
  } catch (_) {
    return { ok: false, status: 0, data: null };
  }
  let data = null;
  try {
    data = await resp.json();
  } catch (_) {
    // A body that is not JSON (a gateway's own answer): the status says enough.
  }
  const retry = Number.parseInt(resp.headers.get("retry-after") || "", 10);
  return { ok: resp.ok, status: resp.status, data, retryAfter: Number.isFinite(retry) ? retry : null };
}
