"""Fairness between accounts: the release `invite` and `send` binaries as bench/pacing.py runs them (SES
behind its quota stand-in, the send queue on moto's SQS drained into five warm senders), several accounts
sending at once. For each scenario: when a small account's one email was accepted after its invite,
behind another's backlog, and each account's share of the emails accepted in a window.

Each scenario runs twice, side by side, on a queue of its own: served in arrival order, as moto serves a
standard queue (what the lanes alone do), and served as SQS's fair queues are documented to serve message
groups, here the accounts (bench/moto_server.py; what the service does in AWS if SQS does as documented).

Run through scripts/bench. FAIR_BIG_AT_1, FAIR_BIG_AT_14, FAIR_EACH and FAIR_WINDOW set the sizes,
FAIR_ACCOUNTS how many accounts invite at once ("5,12" runs both), and FAIR_INVITERS_NICE the priority of
their invite processes (below); the defaults keep the run under fifteen minutes. It runs its own moto
servers for SES and for each queue order."""
import json
import os
import sys
import threading
import time
import uuid

import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import create_table, load_event  # noqa: E402
from pacing import Quota, Senders, Warm, moto_of_its_own  # noqa: E402


def invite_of(account, count):
    """An owner of `account` inviting `count` new addresses, each naming its account."""
    ev = load_event("invite.json")
    path = f"/accounts/{account}/invitations"
    ev["rawPath"] = ev["requestContext"]["http"]["path"] = path
    ev["pathParameters"]["account_id"] = account
    ev["requestContext"]["authorizer"]["jwt"]["claims"]["account_id"] = account
    body = json.loads(ev["body"])
    body["invitees"] = [f"{account}-{uuid.uuid4().hex[:12]}@example.com" for _ in range(count)]
    ev["body"] = json.dumps(body)
    return ev


# The invite processes' nice value. At 10 the senders have the two cores first, as in AWS, where the senders
# never share a CPU with the accounts' requests.
INVITERS_NICE = int(os.environ.get("FAIR_INVITERS_NICE", "0"))

# Invitees a request: the CLI sends 100, but five such requests at once are 500 concurrent creates, which
# DynamoDB Local on two cores answers after the functions' 3 s attempt timeout (the invites answer 503).
BATCH = int(os.environ.get("FAIR_BATCH", "25"))


def bulk(fn, account, total):
    """`total` invitations in requests of BATCH one after the other, as `invitations invite --file` sends them."""
    statuses = []
    for start in range(0, total, BATCH):
        statuses.append(fn.invoke(invite_of(account, min(BATCH, total - start)))["statusCode"])
    if any(s != 201 for s in statuses):
        print(f"  {account}: invites answered {statuses}", file=sys.stderr)


def run(rate, env, quota, sqs, url, work, expected):
    """Runs `work` with five senders draining the queue until `expected` emails were accepted."""
    quota.reset()
    senders = Senders(env, sqs, url)
    t0 = time.monotonic()
    result = work()
    senders.wait_for(quota, expected, rate)
    senders.stop()
    return t0, result


def behind_a_backlog(rate, big, env, quota, sqs, url):
    """Account A invites `big` in requests of BATCH; 5 s after it started, account B invites one."""
    a, b = f"a{uuid.uuid4().hex[:6]}", f"b{uuid.uuid4().hex[:6]}"
    inviters = [Warm("invite", env, 29), Warm("invite", env, 29)]
    time.sleep(1)

    def work():
        started = time.monotonic()
        thread = threading.Thread(target=bulk, args=(inviters[0], a, big), daemon=True)
        thread.start()
        time.sleep(max(0.0, 5 - (time.monotonic() - started)))
        b_at = time.monotonic()
        inviters[1].invoke(invite_of(b, 1))
        thread.join()
        return b_at

    t0, b_at = run(rate, env, quota, sqs, url, work, big + 1)
    for f in inviters:
        f.stop()
    mine = [t for t, to in zip(quota.accepted, quota.recipients) if to.startswith(b)]
    b_after = mine[0] - b_at if mine else float("nan")
    return (f"A invites {big:,}, B 1 five seconds later", rate, big + 1, len(quota.accepted), quota.throttled,
            f"B's email {b_after:.1f} s after B's invite")


def at_once(rate, accounts, each, window, env, quota, sqs, url):
    """`accounts` accounts invite `each` at once, in requests of BATCH; each one's share of the first `window` s."""
    names = [f"c{i}{uuid.uuid4().hex[:6]}" for i in range(accounts)]
    inviters = [Warm("invite", env, 29) for _ in names]
    for f in inviters:
        os.setpriority(os.PRIO_PROCESS, f.proc.pid, INVITERS_NICE)
    time.sleep(1)

    def work():
        threads = [threading.Thread(target=bulk, args=(f, n, each), daemon=True) for f, n in zip(inviters, names)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    t0, _ = run(rate, env, quota, sqs, url, work, accounts * each)
    for f in inviters:
        f.stop()
    counts = [sum(1 for t, to in zip(quota.accepted, quota.recipients) if to.startswith(n) and t - t0 < window)
              for n in names]
    in_window = sum(counts)
    spread = (max(counts) - min(counts)) / (in_window / accounts) if in_window else float("nan")
    span = quota.accepted[-1] - quota.accepted[0] if len(quota.accepted) > 1 else float("nan")
    twice = len(quota.recipients) - len(set(quota.recipients))
    return (f"{accounts} accounts invite {each} each at once", rate, accounts * each, len(quota.accepted),
            quota.throttled, f"first {window} s: {counts} ({in_window / window:.1f}/s), "
            f"spread {spread:.0%} of a fair share; first to last email {len(quota.accepted) / span:.1f}/s; "
            f"sent twice: {twice}")


def main():
    table = create_table()
    sender = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    ses = moto_of_its_own()
    boto3.client("sesv2", endpoint_url=ses).create_email_identity(EmailIdentity=sender)
    orders = {"arrival": moto_of_its_own(), "fair queues": moto_of_its_own(fair_queues=True)}
    aws = {k: os.environ[k] for k in ["AWS_ENDPOINT_URL_DYNAMODB", "AWS_REGION", "AWS_ACCESS_KEY_ID",
                                      "AWS_SECRET_ACCESS_KEY"]}
    big_at = {1: int(os.environ.get("FAIR_BIG_AT_1", "100")), 14: int(os.environ.get("FAIR_BIG_AT_14", "1000"))}
    rows = []
    for rate in [1, 14]:
        quota = Quota(ses, rate)
        threading.Thread(target=quota.serve_forever, daemon=True).start()
        at_14 = [(at_once, int(n)) for n in os.environ.get("FAIR_ACCOUNTS", "5").split(",")] if rate == 14 else []
        for scenario, accounts in [(behind_a_backlog, None)] + at_14:
            for order, queues in orders.items():
                sqs = boto3.client("sqs", endpoint_url=queues)
                # A queue of the scenario's own, so nothing left of another scenario is counted in it.
                url = sqs.create_queue(QueueName=f"bench-{uuid.uuid4().hex[:8]}")["QueueUrl"]
                env = {**aws, "AWS_ENDPOINT_URL_SQS": queues,
                       "AWS_ENDPOINT_URL_SESV2": f"http://127.0.0.1:{quota.server_address[1]}",
                       "TABLE_NAME": table, "SENDER_EMAIL": sender, "ACCEPT_URL": "https://app.example.com/accept",
                       "SEND_QUEUE_URL": url, "SEND_RATE": str(rate)}
                if scenario is behind_a_backlog:
                    row = behind_a_backlog(rate, big_at[rate], env, quota, sqs, url)
                else:
                    each, window = int(os.environ.get("FAIR_EACH", "200")), int(os.environ.get("FAIR_WINDOW", "30"))
                    row = at_once(rate, accounts, each, window, env, quota, sqs, url)
                row = (row[0], order, *row[1:])
                print(f"  {row}", file=sys.stderr)
                rows.append(row)
        quota.shutdown()
    print("| scenario | queue's order | quota (/s) | emails | accepted | throttled | result |")
    print("|---|---|---:|---:|---:|---:|---|")
    for name, order, rate, total, accepted, throttled, result in rows:
        print(f"| {name} | {order} | {rate} | {total:,} | {accepted:,} | {throttled} | {result} |")


if __name__ == "__main__":
    main()
