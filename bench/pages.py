"""Does a page cost the same however large the account? One account each of 1,000, 10,000 and 100,000 open
invitations on DynamoDB Local (items cloned from the invitation `local setup` seeds, written with
BatchWriteItem), then the `list` binary under bench.py's Runtime API emulator serving the first page of the
invitations list, of the Users list and of a Users search, each many times in one process. Prints the
median and p90 of each invocation (from its /next to its answer) and the items each page read. Run with
the emulators up, after a build (release if there is one): `python bench/pages.py`."""
import copy
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

SIZES = [int(s) for s in os.environ.get("BENCH_PAGE_SIZES", "1000,10000,100000").split(",")]
TIMES = int(os.environ.get("BENCH_PAGE_TIMES", "40"))
PROFILE = "release" if os.path.exists(os.path.join(bench.ROOT, "target", "release", "list")) else "debug"
BIN = os.path.join(bench.ROOT, "target", PROFILE)
DB = boto3.client("dynamodb", endpoint_url=os.environ["AWS_ENDPOINT_URL_DYNAMODB"])


def uuid7(ms):
    """A version-7 id for the millisecond `ms`, as the service makes them."""
    value = (ms << 80) | (0x7 << 76) | (secrets.randbits(12) << 64) | (0b10 << 62) | secrets.randbits(62)
    return str(uuid.UUID(int=value))


def set_up():
    table = f"bench-pages-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "TABLE_NAME": table, "SENDER_EMAIL": "bench@example.com", "EVENT_BUS_NAME": "bench-events",
           "SEND_QUEUE_URL": f"{os.environ['AWS_ENDPOINT_URL_SQS']}/123456789012/bench-send"}
    subprocess.run([os.path.join(BIN, "local"), "setup", "--template", os.path.join(bench.ROOT, "template.yaml"),
                    "--events", os.path.join(bench.ROOT, "events")], env=env, check=True, stdout=subprocess.DEVNULL)
    seed = next(i for i in DB.scan(TableName=table)["Items"] if i["sk"]["S"].startswith("INV#"))
    return table, seed


def fill(table, seed, account, n):
    """`n` open invitations of `account`, each to an address of its own, created a millisecond apart."""
    start = int(time.time() * 1000) - n
    def item(i):
        it = copy.deepcopy(seed)
        inv, email = uuid7(start + i), f"user{i:06d}@example.com"
        it.update({"pk": {"S": f"ACCOUNT#{account}"}, "sk": {"S": f"INV#{inv}"}, "id": {"S": inv},
                   "account_id": {"S": account}, "email": {"S": email}, "email_key": {"S": f"{account}#{email}"},
                   "users_pk": {"S": f"ACCOUNT#{account}"}, "users_sk": {"S": f"{email}#INV#{inv}"},
                   "created_at": {"N": str(start + i)}, "updated_at": {"N": str(start + i)}})
        return it
    def write(batch):
        requests = [{"PutRequest": {"Item": item(i)}} for i in batch]
        while requests:
            left = DB.batch_write_item(RequestItems={table: requests}).get("UnprocessedItems", {})
            requests = left.get(table, [])
    batches = [range(b, min(b + 25, n)) for b in range(0, n, 25)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, batches))


def request(account, path, query):
    ev = bench.load_event("users.json" if "users" in path else "list.json")
    raw = f"/accounts/{account}/{path}"
    ev.update({"rawPath": raw, "rawQueryString": "&".join(f"{k}={v}" for k, v in query.items()),
               "queryStringParameters": query, "pathParameters": {"account_id": account}})
    ev["requestContext"]["http"]["path"] = raw
    ev["requestContext"]["authorizer"]["jwt"]["claims"]["account_id"] = account
    return ev


def timed(events, env):
    answers, latencies = bench.serve_in_turn(os.path.join(BIN, "list"), events, env)
    # The first answer pays the connection's set-up: left out, as a warm function's page would.
    return [json.loads(a["body"]) for a in answers], latencies[1:]


def main():
    table, seed = set_up()
    env = {k: os.environ[k] for k in ("AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                      "AWS_ENDPOINT_URL_DYNAMODB") if k in os.environ}
    env["TABLE_NAME"] = table
    pages = [("invitations list, first page of 50", "invitations", {"limit": "50"}, "invitations"),
             ("Users list, first page of 50", "users", {"limit": "50"}, "users"),
             ("Users search user0005…, page of 50", "users", {"limit": "50", "email_prefix": "user0005"}, "users")]
    print(f"list binary ({PROFILE} build), {TIMES} warm pages each, DynamoDB Local, one account per size")
    print(f"{'page':40} {'rows in account':>15} {'rows shown':>10} {'median ms':>9} {'p90 ms':>7}")
    for n in SIZES:
        account = f"big{n}"
        began = time.perf_counter()
        fill(table, seed, account, n)
        print(f"  ({n} invitations written in {time.perf_counter() - began:.0f} s)", file=sys.stderr)
        for name, path, query, field in pages:
            bodies, latencies = timed([request(account, path, query)] * (TIMES + 1), env)
            shown = len(bodies[-1][field])
            assert bodies[-1]["next_cursor"], f"{name}: a cursor follows at {n}"
            p90 = statistics.quantiles(latencies, n=10)[-1]
            print(f"{name:40} {n:15,} {shown:10} {statistics.median(latencies):9.1f} {p90:7.1f}")


if __name__ == "__main__":
    main()
