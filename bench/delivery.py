"""What recording SES's reports costs: the `delivery` binary under bench.py's Runtime API emulator on
DynamoDB Local, behind a proxy that counts its DynamoDB calls. One invitation seeded by `local setup` (the
one events/ses/ names) gets, in turn: sends, deliveries, the same delivery repeated, and permanent bounces
until and after they pause its account. Prints, per kind of report, the calls each made and the latency of
each invocation (from its /next to its answer). Run after a build and with the emulators up, as
scripts/bench does: `python bench/delivery.py`."""
import copy
import datetime
import http.client
import http.server
import json
import os
import statistics
import subprocess
import sys
import threading
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

N = int(os.environ.get("BENCH_REPORTS", "100"))
PROFILE = "release" if os.path.exists(os.path.join(bench.ROOT, "target", "release", "delivery")) else "debug"
BIN = os.path.join(bench.ROOT, "target", PROFILE)


class Counting(http.server.ThreadingHTTPServer):
    """Forwards every request to DynamoDB Local and counts its operations (`X-Amz-Target`)."""
    daemon_threads = True

    def __init__(self, upstream):
        super().__init__(("127.0.0.1", 0), Forward)
        self.upstream = urllib.parse.urlparse(upstream)
        self.calls, self.lock = [], threading.Lock()


class Forward(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        target = self.headers.get("X-Amz-Target", "?").split(".")[-1]
        with self.server.lock:
            self.server.calls.append(target)
        up = http.client.HTTPConnection(self.server.upstream.hostname, self.server.upstream.port, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        up.request("POST", self.path, body, headers)
        resp = up.getresponse()
        data = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        up.close()


def sample(name):
    with open(os.path.join(bench.ROOT, "events", "ses", f"{name}.json")) as f:
        return json.load(f)


def at(seconds):
    t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1) + datetime.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def reports(name, start, field):
    """N reports of `name`, each a second later than the one before, so each is newer than the last."""
    out = []
    for i in range(N):
        e = copy.deepcopy(sample(name))
        stamp = at(start + i)
        e["time"] = stamp
        if field:
            e["detail"][field[0]][field[1]] = stamp
        out.append(e)
    return out


def set_up():
    table = f"bench-delivery-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "TABLE_NAME": table, "SENDER_EMAIL": "bench@example.com",
           "EVENT_BUS_NAME": "bench-events", "SEND_QUEUE_URL": f"{os.environ['AWS_ENDPOINT_URL_SQS']}/123456789012/bench-send"}
    subprocess.run([os.path.join(BIN, "local"), "setup", "--template", os.path.join(bench.ROOT, "template.yaml"),
                    "--events", os.path.join(bench.ROOT, "events")], env=env, check=True, stdout=subprocess.DEVNULL)
    return table


def run(events, env, proxy):
    """One process serving `events` in turn: each answer's outcome, each latency, and the calls made."""
    before = len(proxy.calls)
    answers, latencies = bench.serve_in_turn(os.path.join(BIN, "delivery"), events, env)
    return [a["outcome"] for a in answers], latencies, proxy.calls[before:]


def scenarios():
    delivered = reports("delivery", 2000, ("delivery", "timestamp"))
    return [
        ("a send (counted)", reports("send", 0, ("mail", "timestamp"))),
        ("a delivery (not counted)", delivered),
        ("the same delivery again (stale)", [delivered[-1]] * N),
        ("a permanent bounce (counted, the day weighed)", reports("bounce", 4000, ("bounce", "timestamp"))),
    ]


def main():
    """Twice, each time on a table of its own: through the counting proxy for the calls, then straight to
    DynamoDB Local for the latencies (the proxy's own hop would be most of them)."""
    proxy = Counting(os.environ["AWS_ENDPOINT_URL_DYNAMODB"])
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    base = {k: os.environ[k] for k in ("AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY") if k in os.environ}
    base["SES_CONFIGURATION_SET"] = "invitation-emails"
    counted_env = {**base, "TABLE_NAME": set_up(), "AWS_ENDPOINT_URL_DYNAMODB": f"http://127.0.0.1:{proxy.server_address[1]}"}
    timed_env = {**base, "TABLE_NAME": set_up(), "AWS_ENDPOINT_URL_DYNAMODB": os.environ["AWS_ENDPOINT_URL_DYNAMODB"]}
    print(f"delivery binary ({PROFILE} build), {N} reports each, one invitation, DynamoDB Local")
    print(f"{'report':48} {'outcomes':14} {'calls each':40} {'median ms':>9} {'p90 ms':>7}")
    for (name, events), (_, again) in zip(scenarios(), scenarios()):
        answers, _, calls = run(events, counted_env, proxy)
        timed_answers, latencies, _ = run(again, timed_env, proxy)
        assert timed_answers == answers, f"{name}: the two runs disagree"
        per = {op: calls.count(op) / len(events) for op in sorted(set(calls))}
        each = ", ".join(f"{v:g} {k}" for k, v in per.items())
        outcomes = ", ".join(f"{answers.count(a)} {a}" for a in sorted(set(answers)))
        p90 = statistics.quantiles(latencies, n=10)[-1]
        print(f"{name:48} {outcomes:14} {each:40} {statistics.median(latencies):9.1f} {p90:7.1f}")
    # The bounces paused the account at the 5th (5 of the 100 sends): each one after it tries the pause
    # too, and its condition refuses.
    paused = [c for c in calls if c == "PutItem"]
    if paused:
        print(f"pause writes during the bounces: {len(paused)} (1 put, {len(paused) - 1} refused as already paused)")


if __name__ == "__main__":
    main()
