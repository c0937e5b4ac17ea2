#!/usr/bin/env python3
"""Writes the hostile-request corpus: one JSON file per request, run by tests/hostile.rs.

Each file: name, method, path, query (raw), claims (null: no authorizer), headers, body (raw text or
null) and expect: the status it must get, or "invalid" for a 207 whose every result is `invalid`
(a bad invitee is a per-invitee result, not a failed request). Run it again after editing;
it rewrites cases/.
"""
import base64, hashlib, json, os, shutil

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "cases")
ACCOUNT = "acme"
BASE = f"/accounts/{ACCOUNT}/invitations"
GOOD_ACCESS = {"infrastructure": {"permissions": "basic_user"}}
UUID7 = "019ac3f0-5a1e-7c41-9b2d-3f6e8a0c1d42"
cases = []


def claims(**over):
    c = {"sub": "hostile-user", "account_id": ACCOUNT, "roles": "owner", "email": "admin@acme.example"}
    for k, v in over.items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = v
    return c


def add(name, expect, method="POST", path=BASE, body=None, query="", claims_=None, headers=None, no_claims=False):
    cases.append({
        "name": name, "method": method, "path": path, "query": query,
        "claims": None if no_claims else (claims_ if claims_ is not None else claims()),
        "headers": headers or {}, "body": body, "expect": expect,
    })


def invite(name, expect, payload=None, raw=None, **kw):
    add(name, expect, body=raw if raw is not None else json.dumps(payload), **kw)


# Broken JSON.
broken = ["", " ", "\n", "{", "}", "[", "{\"invitees\":", "{\"invitees\": \"a@x.io\",}", "{'invitees': 'a@x.io'}",
          "{\"invitees\": NaN, \"access\": {}}", "{\"invitees\": Infinity}", "/* c */ {}", "{\"a\":1} trailing",
          "\ufeff{}", "null", "true", "false", "0", "-1", "1e999", "\"string\"", "[]", "[1,2,3]", "{\"invitees\" \"x\"}",
          "{\"invitees\": \"a@x.io\" \"access\": {}}", "{\"invitees\": \"\\uZZZZ\"}", "{\"invitees\": \"\\ud800\"}",
          "{\"invitees\": undefined}", "{{}}", "{\"\": \"\"}", "\u0000", "{\"invitees\": \"a@x.io\", \"access\": {\"iam\": [}}",
          "<xml/>", "invitees=a@x.io&access=x", "{\"invitees\": [\"a@x.io\"], \"access\": {\"infrastructure\": {\"permissions\": \"basic_user\"}}"]
for i, raw in enumerate(broken):
    invite(f"broken-json-{i}", 400, raw=raw)

# Deeply nested.
for depth in [64, 129, 1000, 10000, 30000]:
    invite(f"nested-arrays-{depth}", 400, raw="[" * depth + "]" * depth)
    invite(f"nested-objects-{depth}", 400 if depth * 6 <= 65536 else 413, raw="{\"a\":" * depth + "1" + "}" * depth)
    invite(f"nested-in-access-{depth}", 400, raw="{\"invitees\":\"a@x.io\",\"access\":" + "[" * depth + "]" * depth + "}")
    invite(f"unclosed-nesting-{depth}", 400, raw="[" * depth)

# Wrong types.
wrong_invitees = [5, 1.5, True, None, {}, {"a": "b"}, [1], [None], [["a@x.io"]], [{"email": "a@x.io"}], [True], []]
for i, v in enumerate(wrong_invitees):
    invite(f"invitees-wrong-type-{i}", 400, {"invitees": v, "access": GOOD_ACCESS})
wrong_access = ["all", 1, True, [], [GOOD_ACCESS], None,
                {"iam": {"service": "s", "roles": ["Viewer"]}}, {"iam": "everything"}, {"iam": [["s"]]},
                {"iam": [{"service": 5, "roles": ["Viewer"]}]}, {"iam": [{"service": "s", "roles": "Viewer"}]},
                {"iam": [{"service": "s", "roles": [1]}]}, {"iam": [{"service": "s", "resource_group": 7, "roles": ["Viewer"]}]},
                {"cloud_foundry": []}, {"cloud_foundry": "acme"}, {"cloud_foundry": {"org": 1, "org_roles": ["Auditor"]}},
                {"cloud_foundry": {"org": "a", "org_roles": "Auditor"}}, {"cloud_foundry": {"org": "a", "spaces": {}}},
                {"cloud_foundry": {"org": "a", "spaces": [{"region": 1, "space": "s", "roles": ["Developer"]}]}},
                {"infrastructure": {"permissions": 1}}, {"infrastructure": {"permissions": ["basic_user"]}},
                {"infrastructure": {"permissions": None}}, {"infrastructure": []}, {"infrastructure": True}]
for i, v in enumerate(wrong_access):
    invite(f"access-wrong-type-{i}", 400, {"invitees": "a@x.io", "access": v})
invite("body-is-array-of-requests", 400, [{"invitees": "a@x.io", "access": GOOD_ACCESS}])
invite("invitees-missing", 400, {"access": GOOD_ACCESS})
invite("access-missing", 400, {"invitees": "a@x.io"})
invite("both-missing", 400, {})
invite("duplicate-keys-conflict", 400, raw='{"invitees": "a@x.io", "access": {}, "access": 5}')

# Huge strings.
invite("huge-invitee-string-of-junk", 400, {"invitees": "x" * 60000, "access": {"iam": "bad"}})
invite("huge-body-413", 413, {"invitees": "a@x.io", "access": GOOD_ACCESS, "pad": "p" * 70000})
invite("huge-valid-looking-413", 413, {"invitees": ", ".join(f"user{i}@example.com" for i in range(4000)), "access": GOOD_ACCESS})
invite("huge-org-name", 400, {"invitees": "a@x.io", "access": {"cloud_foundry": {"org": "o" * 50000, "org_roles": ["Auditor"]}}})
invite("huge-service", 400, {"invitees": "a@x.io", "access": {"iam": [{"service": "s" * 40000, "roles": ["Viewer"]}]}})
invite("long-local-part", "invalid", {"invitees": "a" * 300 + "@x.io", "access": GOOD_ACCESS})
invite("long-domain", "invalid", {"invitees": "a@" + "d" * 260 + ".io", "access": GOOD_ACCESS})
invite("huge-unknown-field-name", 400, {"invitees": "a@x.io", "access": GOOD_ACCESS, "k" * 30000: 1})
invite("many-policies", 400, {"invitees": "a@x.io", "access": {"iam": [{"service": "s", "roles": ["Viewer"]}] * 500}})
invite("many-spaces", 400, {"invitees": "a@x.io", "access": {"cloud_foundry": {"org": "a", "spaces": [{"region": "r", "space": "s", "roles": ["Developer"]}] * 300}}})

# Too many invitees.
hundred_one = [f"u{i}@example.com" for i in range(101)]
invite("101-invitees-array", 400, {"invitees": hundred_one, "access": GOOD_ACCESS})
invite("101-invitees-string", 400, {"invitees": ", ".join(hundred_one), "access": GOOD_ACCESS})
invite("101-invitees-with-dupes", 400, {"invitees": hundred_one + hundred_one[:50], "access": GOOD_ACCESS})
invite("101-invalid-invitees", 400, {"invitees": [f"bad{i}" for i in range(101)], "access": GOOD_ACCESS})
invite("500-invitees", 400, {"invitees": " ".join(f"v{i}@example.com" for i in range(500)), "access": GOOD_ACCESS})
invite("only-separators", 400, {"invitees": " ,\t\n\r, ,", "access": GOOD_ACCESS})
invite("empty-strings-array", 400, {"invitees": ["", " ", "\t"], "access": GOOD_ACCESS})

# Unicode and control characters in addresses (each a per-invitee `invalid`).
weird = ["ä@example.com", "a@exämple.com", "\u200ba@example.com", "a\u202e@example.com", "a@example.com\u0000",
         "a\u0007@example.com", "😀@example.com", "a@😀.com", "a@example.com\u2028", "ａ@example.com",
         "a@example.c\u00f6m", "a\u0301@example.com", "a@xn--example.com\u200d", "\u0000", "\u007f@x.io",
         "a\u001b[31m@x.io", "a\\@x.io", "a\"@x.io", "a'@x.io", "a@[127.0.0.1]", "a@x_y.io", "a@-x.io",
         "a@x-.io", "a@x..io", ".a@x.io", "a.@x.io", "a..b@x.io", "a@x", "a@.io", "@x.io", "a@", "a@@x.io",
         "a@b@x.io", "a b@x.io", "(comment)a@x.io", "a@x.io,", "mailto:a@x.io"]
for i, w in enumerate(weird):
    invite(f"unicode-control-{i}", "invalid", {"invitees": [w], "access": GOOD_ACCESS})
invite("control-in-org", 400, {"invitees": "a@x.io", "access": {"cloud_foundry": {"org": "a\u0000b", "org_roles": ["Auditor"]}}})
invite("control-in-space", 400, {"invitees": "a@x.io", "access": {"cloud_foundry": {"org": "a", "spaces": [{"region": "r", "space": "s\u001b", "roles": ["Developer"]}]}}})
invite("unicode-service", 400, {"invitees": "a@x.io", "access": {"iam": [{"service": "sérvice", "roles": ["Viewer"]}]}})
invite("unicode-resource-group", 400, {"invitees": "a@x.io", "access": {"iam": [{"service": "s", "resource_group": "grüppe", "roles": ["Viewer"]}]}})

# Header injection and display names (array items are never split, so each stays one bad piece).
injections = ["a@b.com\r\nBcc: x@y.z", "a@b.com\nBcc: x@y.z", "a@b.com\rBcc: x@y.z", "a@b.com%0d%0aBcc:x@y.z",
              "a@b.com\r\nSubject: hi", "a@b.com\r\n\r\n<script>", "a@b.com\nTo: all@corp.io", "a@b.com\r\nContent-Type: text/html",
              "a@b.com\u0085Bcc: x@y.z", "a@b.com\u2029Bcc: x@y.z"]
for i, inj in enumerate(injections):
    invite(f"header-injection-{i}", "invalid", {"invitees": [inj], "access": GOOD_ACCESS})
names = ["Ann <a@b.com>", "\"Ann\" <a@b.com>", "<a@b.com>", "Ann Smith <a@b.com>", "a@b.com (Ann)",
         "=?utf-8?q?Ann?= <a@b.com>", "Ann <a@b.com>, Bob <c@d.com>", "'a@b.com'", "\"a@b.com\"", "<a@b.com"]
for i, n in enumerate(names):
    invite(f"display-name-{i}", "invalid", {"invitees": [n], "access": GOOD_ACCESS})

# Unknown fields at every level.
unknown = [
    {"invitees": "a@x.io", "access": GOOD_ACCESS, "role": "admin"},
    {"invitees": "a@x.io", "access": GOOD_ACCESS, "account_id": "other"},
    {"invitees": "a@x.io", "access": GOOD_ACCESS, "status": "accepted"},
    {"invitees": "a@x.io", "access": GOOD_ACCESS, "token": "abc"},
    {"invitees": "a@x.io", "access": {**GOOD_ACCESS, "billing": "all"}},
    {"invitees": "a@x.io", "access": {**GOOD_ACCESS, "IAM": []}},
    {"invitees": "a@x.io", "access": {"iam": [{"service": "s", "roles": ["Viewer"], "policy_id": "x"}]}},
    {"invitees": "a@x.io", "access": {"cloud_foundry": {"org": "a", "org_roles": ["Auditor"], "admin": True}}},
    {"invitees": "a@x.io", "access": {"cloud_foundry": {"org": "a", "spaces": [{"region": "r", "space": "s", "roles": ["Developer"], "x": 1}]}}},
    {"invitees": "a@x.io", "access": {"infrastructure": {"permissions": "basic_user", "vlan": 1}}},
    {"Invitees": "a@x.io", "access": GOOD_ACCESS},
    {"invitees": "a@x.io", "Access": GOOD_ACCESS},
    {"invitees": "a@x.io", "access": GOOD_ACCESS, "__proto__": {}},
    {"invitees": "a@x.io", "access": GOOD_ACCESS, "": 1},
    {"invitees": "a@x.io", "access": GOOD_ACCESS, "invitees ": "b@x.io"},
]
for i, u in enumerate(unknown):
    invite(f"unknown-field-{i}", 400, u)

# Access rule violations.
violations = [
    {}, {"iam": "no_access", "cloud_foundry": "no_access", "infrastructure": "no_access"}, {"iam": []},
    {"iam": [{"service": "S", "roles": ["Viewer"]}]}, {"iam": [{"service": "", "roles": ["Viewer"]}]},
    {"iam": [{"service": "s", "roles": []}]}, {"iam": [{"service": "s", "roles": ["Viewer", "Viewer"]}]},
    {"iam": [{"service": "s", "roles": ["Root"]}]}, {"iam": [{"service": "s", "roles": ["viewer"]}]},
    {"iam": [{"service": "s", "resource_group": "", "roles": ["Viewer"]}]}, {"iam": [{"service": "s", "resource_group": "a/b", "roles": ["Viewer"]}]},
    {"iam": [{"service": "a" * 65, "roles": ["Viewer"]}]}, {"iam": [{"service": "s", "roles": ["Viewer"]}] * 21},
    {"cloud_foundry": {"org": "acme"}}, {"cloud_foundry": {"org": "", "org_roles": ["Auditor"]}},
    {"cloud_foundry": {"org": "a", "org_roles": ["Developer"]}}, {"cloud_foundry": {"org": "a", "org_roles": ["Auditor", "Auditor"]}},
    {"cloud_foundry": {"org": "a", "spaces": [{"region": "US", "space": "s", "roles": ["Developer"]}]}},
    {"cloud_foundry": {"org": "a", "spaces": [{"region": "r", "space": "", "roles": ["Developer"]}]}},
    {"cloud_foundry": {"org": "a", "spaces": [{"region": "r", "space": "s", "roles": []}]}},
    {"cloud_foundry": {"org": "a", "spaces": [{"region": "r", "space": "s", "roles": ["BillingManager"]}]}},
    {"cloud_foundry": {"org": "a", "spaces": [{"region": "r", "space": "s"}]}},
    {"cloud_foundry": {"org": "a" * 65, "org_roles": ["Auditor"]}},
    {"infrastructure": {"permissions": "admin"}}, {"infrastructure": {"permissions": "Basic_User"}}, {"infrastructure": {}},
    {"infrastructure": "basic_user"}, {"iam": "yes"}, {"cloud_foundry": "no-access"}, {"infrastructure": "NO_ACCESS"},
]
for i, v in enumerate(violations):
    invite(f"access-violation-{i}", 400, {"invitees": "a@x.io", "access": v})

# Claims: missing, malformed, wrong account, roles.
body = json.dumps({"invitees": "a@x.io", "access": GOOD_ACCESS})
add("no-authorizer", 401, body=body, no_claims=True)
for i, c in enumerate([claims(sub=None), claims(sub=""), claims(sub="   "), claims(account_id=None), claims(account_id=""),
                       claims(account_id="acme#x"), claims(account_id="a/b"), claims(account_id="a" * 200),
                       claims(roles=None), {}, {"sub": "u"}, {"account_id": ACCOUNT}]):
    add(f"claims-malformed-{i}", 401, body=body, claims_=c)
for i, roles in enumerate(["", " ", "[]", "[ ]", "iam_admin", "[iam_admin]", "Owner", "OWNER", "owner_", "admin", "root",
                           "org-manager", "infra-add-users", "[iam_admin, unknown]", "superuser owner2", "\"owner\"", "['owner']"]):
    add(f"roles-not-inviter-{i}", 403, body=body, claims_=claims(roles=roles))
for i, roles in enumerate(["org_manager", "[org_manager]", "[org_manager iam_admin]", "iam_admin org_manager"]):
    add(f"roles-may-not-grant-infrastructure-{i}", 403, body=body, claims_=claims(roles=roles))
for i, roles in enumerate(["infra_add_users", "[infra_add_users]", "org_manager infra_add_users"]):
    add(f"roles-may-not-grant-iam-{i}", 403, body=json.dumps({"invitees": "a@x.io", "access": {"iam": [{"service": "s", "roles": ["Viewer"]}]}}), claims_=claims(roles=roles))
for i, roles in enumerate(["iam_admin infra_add_users", "[iam_admin infra_add_users]"]):
    add(f"roles-may-not-grant-cloud-foundry-{i}", 403, body=json.dumps({"invitees": "a@x.io", "access": {"cloud_foundry": {"org": "a", "org_roles": ["Auditor"]}}}), claims_=claims(roles=roles))
for i, other in enumerate(["other", "ACME", "acme ", "acme%23x", "acme-2", "x" * 129]):
    add(f"path-account-differs-{i}", 403, path=f"/accounts/{other}/invitations", body=body)

# Idempotency keys.
for i, key in enumerate(["", " ", " lead", "trail ", "k" * 65, "tab\tkey", "é", "key-€", "ключ", "k" * 1000]):
    add(f"idempotency-key-bad-{i}", 400, body=body, headers={"idempotency-key": key})

# List queries and forged cursors.
def list_q(name, expect, query, **kw):
    add(name, expect, method="GET", query=query, **kw)

for i, q in enumerate(["limit=0", "limit=-1", "limit=101", "limit=abc", "limit=1e3", "limit=", "limit=1.5", "limit=99999999999999999999",
                       "status=bogus", "status=", "status=pending,", "status=PENDING", "status=pending%00", "email=nope", "email=",
                       "email=a%40b", "email=Ann%20%3Ca%40b.com%3E", "sort=asc", "page=2", "limit=5&limit=6", "cursor=a&cursor=b",
                       "offset=10", "status=pending&status=expired&x=1", "email=a@x.io&email=b@x.io"]):
    list_q(f"list-bad-query-{i}", 400, q)


def cursor(payload):
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


scope_all = hashlib.sha256(b"acme\0\0\0").digest()[:16].hex()
scope_other = hashlib.sha256(b"globex\0\0\0").digest()[:16].hex()
forged = ["x", "!!!", "====", "e30", cursor({}), cursor({"after": UUID7}), cursor({"scope": scope_all}),
          cursor({"after": UUID7, "scope": scope_other}), cursor({"after": UUID7, "scope": "0" * 32}),
          cursor({"after": "not-an-id", "scope": scope_all}), cursor({"after": UUID7.upper(), "scope": scope_all}),
          cursor({"after": UUID7, "scope": scope_all, "account": "globex"}), cursor({"after": 5, "scope": scope_all}),
          cursor([UUID7, scope_all]), cursor("string"), cursor({"after": "019ac3f0-5a1e-4c41-9b2d-3f6e8a0c1d42", "scope": scope_all}),
          "A" * 5000, base64.urlsafe_b64encode(b"\xff\xfe\x00garbage").decode(), cursor({"after": UUID7, "scope": scope_all}) + "x",
          "%00", "eyJhZnRlciI6IjAxOWFjM2YwLTdjNDAtN2U2My05ZDRmLTViODBhYzJlM2Y2NCIsInNjb3BlIjoiZDU3YWNjNGRmM2JmYTkyYjY3MTMzYmU3YjViNDM4NTEifQ"]
for i, c in enumerate(forged):
    list_q(f"forged-cursor-{i}", 400, "cursor=" + c)
for i, q in enumerate(["a={b}", "a=|", "x=%", "x=%zz", "a b=c", "q=\u0000", "q=\\", "q=^", "q=`", "#frag"]):
    list_q(f"list-raw-query-not-a-uri-{i}", 400, q)
for i, h in enumerate([{"host": "a b"}, {"host": "exa mple.com"}, {"host": "[::1"}, {"x-forwarded-proto": "ht tp"}, {"x-forwarded-proto": "1http"}]):
    list_q(f"list-bad-host-or-scheme-{i}", 400, "", headers=h)
list_q("cursor-for-another-filter", 400, "status=expired&cursor=" + cursor({"after": UUID7, "scope": scope_all}))
list_q("list-no-claims", 401, "", no_claims=True)
list_q("list-other-account", 403, "", path="/accounts/globex/invitations")
list_q("list-iam-admin-only", 403, "", claims_=claims(roles="[iam_admin]"))

# Odd ids and paths on cancel and resend.
odd_ids = ["x", "..", "%2e%2e", "..%2F..%2Fetc", "019AC3F0-5A1E-7C41-9B2D-3F6E8A0C1D42", "019ac3f05a1e7c419b2d3f6e8a0c1d42",
           "{019ac3f0-5a1e-7c41-9b2d-3f6e8a0c1d42}", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "00000000-0000-0000-0000-000000000000",
           "' OR 1=1 --", "i" * 2000, "INV%23019ac3f0", "019ac3f0-5a1e-7c41-9b2d-3f6e8a0c1d42%00", "%F0%9F%98%80", "null", "-1",
           UUID7, "019ac3f0-5a1e-7c41-9b2d-3f6e8a0c1d4", "019ac3f0-5a1e-7c41-9b2d-3f6e8a0c1d422"]
for i, oid in enumerate(odd_ids):
    add(f"cancel-odd-id-{i}", 404, method="DELETE", path=f"{BASE}/{oid}")
    add(f"resend-odd-id-{i}", 404, method="POST", path=f"{BASE}/{oid}/resend")
for i, (method, suffix) in enumerate([("DELETE", f"/{UUID7}"), ("POST", f"/{UUID7}/resend")]):
    add(f"other-account-id-{i}", 403, method=method, path=f"/accounts/globex/invitations{suffix}")
    add(f"no-claims-id-{i}", 401, method=method, path=BASE + suffix, no_claims=True)
    add(f"iam-admin-only-id-{i}", 403, method=method, path=BASE + suffix, claims_=claims(roles="iam_admin"))

# The invitee's accept: bad tokens and bodies are 400; any id, account or token that opens nothing is the
# same 403 invalid_token; no sub is 401. None of them may change anything.
ACCEPT = f"{BASE}/{UUID7}/accept"
invitee = {"sub": "hostile-invitee", "email": "invitee@acme.example"}
good_token = "A" * 43
bad_tokens = [None, "", 42, True, [], {}, "a" * 257, "not base64url", "a+b/c=", "\u00e9t\u00e9", "a\nb", " " + good_token]
for i, t in enumerate(bad_tokens):
    add(f"accept-bad-token-{i}", 400, path=ACCEPT, body=json.dumps({"token": t}), claims_=invitee)
for i, raw in enumerate(["", "{}", "[]", "null", "\"tok\"", "{\"token\": ", json.dumps({"token": good_token, "role": "owner"}),
                         json.dumps({"Token": good_token})]):
    add(f"accept-bad-body-{i}", 400, path=ACCEPT, body=raw, claims_=invitee)
add("accept-too-large", 413, path=ACCEPT, body=json.dumps({"token": "a" * (65 * 1024)}), claims_=invitee)
add("accept-no-claims", 401, path=ACCEPT, body=json.dumps({"token": good_token}), no_claims=True)
add("accept-no-sub", 401, path=ACCEPT, body=json.dumps({"token": good_token}), claims_={"email": "invitee@acme.example"})
add("accept-bad-sub", 401, path=ACCEPT, body=json.dumps({"token": good_token}), claims_={"sub": "a b", "email": "x@y.io"})
for i, oid in enumerate(odd_ids):
    add(f"accept-odd-id-{i}", 403, path=f"{BASE}/{oid}/accept", body=json.dumps({"token": good_token}), claims_=invitee)
for i, acct in enumerate(["globex", "a#b", "%00"]):
    add(f"accept-other-account-{i}", 403, path=f"/accounts/{acct}/invitations/{UUID7}/accept",
        body=json.dumps({"token": good_token}), claims_=invitee)
add("accept-inviter-claims-change-nothing", 403, path=ACCEPT, body=json.dumps({"token": good_token}))

# The Users list and member removal: bad queries and cursors are 400; odd user ids name no member (404).
USERS = f"/accounts/{ACCOUNT}/users"
for i, q in enumerate(["limit=0", "limit=101", "limit=x", "status=accepted", "status=", "email=a@x.io", "x=1",
                       "limit=1&limit=2", "cursor=x", "cursor=" + cursor({"after": "a@x.io#INV#" + UUID7, "scope": "0" * 32}),
                       "cursor=" + cursor({"after": "no-hash", "scope": scope_all})]):
    add(f"users-bad-query-{i}", 400, method="GET", path=USERS, query=q)
add("users-no-claims", 401, method="GET", path=USERS, no_claims=True)
add("users-other-account", 403, method="GET", path="/accounts/globex/users")
add("users-iam-admin-only", 403, method="GET", path=USERS, claims_=claims(roles="iam_admin"))
for i, uid in enumerate(["a%20b", "a@b", "%00", "u" * 129, "nobody", "..", "%2e%2e"]):
    add(f"remove-user-odd-id-{i}", 404, method="DELETE", path=f"{USERS}/{uid}")
add("remove-user-self", 409, method="DELETE", path=f"{USERS}/hostile-user")
add("remove-user-other-account", 403, method="DELETE", path="/accounts/globex/users/someone")
add("remove-user-no-claims", 401, method="DELETE", path=f"{USERS}/someone", no_claims=True)

# Invisible and text-direction characters in access names, which the email would show: each a 400.
hidden = ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
          "\u2066", "\u2067", "\u2068", "\u2069", "\ufeff", "\u00ad", "\u2060", "\u061c", "\u180e", "\U000e0041",
          "\u2028", "\u2029"]
for i, h in enumerate(hidden):
    invite(f"invisible-in-org-{i}", 400, {"invitees": "a@x.io", "access": {"cloud_foundry": {"org": f"ac{h}me", "org_roles": ["Auditor"]}}})
    invite(f"invisible-in-space-{i}", 400, {"invitees": "a@x.io", "access": {"cloud_foundry": {"org": "acme", "spaces": [{"region": "us-south", "space": f"{h}dev", "roles": ["Developer"]}]}}})
invite("text-direction-spoof-in-org", 400, {"invitees": "a@x.io", "access": {"cloud_foundry": {"org": "acme\u202egnp.exe", "org_roles": ["Auditor"]}}})

# The Users search takes the beginning of an address only: characters no address has, a leading `#`
# (the mark of a row named by user id), nothing, or too much are each a 400.
for i, q in enumerate(["email_prefix=", "email_prefix=%23user", "email_prefix=%3Cscript%3E", "email_prefix=a%20b",
                       "email_prefix=%C3%A4", "email_prefix=%00", "email_prefix=" + "a" * 255,
                       "email_prefix=a&email_prefix=b"]):
    add(f"users-bad-search-{i}", 400, method="GET", path=USERS, query=q)

shutil.rmtree(OUT, ignore_errors=True)
os.makedirs(OUT)
names = set()
for i, case in enumerate(cases):
    assert case["name"] not in names, case["name"]
    names.add(case["name"])
    with open(os.path.join(OUT, f"{i:03d}-{case['name']}.json"), "w") as f:
        json.dump(case, f, indent=1, ensure_ascii=True)
        f.write("\n")
print(f"{len(cases)} cases")
