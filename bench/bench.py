"""Cold-start benchmark: runs each release binary (and a hello-world floor, and a Python function with
the same boto3 clients) under a Lambda Runtime API emulator, many cold starts each, against DynamoDB
Local and moto. Reports medians of init (process start to the first /next), the first invocation and
a warm one, binary sizes, and the peak RSS of a 100-invitee invite. Run through scripts/bench."""
import http.server
import json
import os
import queue
import statistics
import subprocess
import sys
import threading
import time
import uuid

import boto3
import yaml

# boto3 reads the region from AWS_DEFAULT_REGION; the Rust SDK and the test script use AWS_REGION.
os.environ.setdefault("AWS_DEFAULT_REGION", os.environ.get("AWS_REGION", "us-east-1"))
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = int(os.environ.get("BENCH_RUNS", "20"))
# BENCH_RELEASE runs another build's binaries (a baseline kept aside) through the same harness.
RELEASE = os.environ.get("BENCH_RELEASE") or os.path.join(ROOT, "target", "release")


class Emulator(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, events):
        super().__init__(("127.0.0.1", 0), Handler)
        self.events = queue.Queue()
        for e in events:
            self.events.put(e)
        self.nexts, self.responses, self.errors = [], [], []
        self.done = threading.Event()
        self.expected = len(events)


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if not self.path.endswith("/invocation/next"):
            self.send_error(404)
            return
        self.server.nexts.append(time.perf_counter())
        event = self.server.events.get()
        body = json.dumps(event).encode()
        self.send_response(200)
        self.send_header("Lambda-Runtime-Aws-Request-Id", str(uuid.uuid4()))
        self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:bench")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        payload = self.rfile.read(length)
        now = time.perf_counter()
        if self.path.endswith("/response"):
            self.server.responses.append((now, payload))
        else:
            self.server.errors.append(payload)
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()
        if len(self.server.responses) + len(self.server.errors) >= self.server.expected:
            self.server.done.set()


def serve_in_turn(binary, events, env):
    """One process of `binary` answering `events` in turn, warm after the first: each invocation's answer
    and its latency in milliseconds, from its /next to its answer."""
    server = Emulator(events)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    full_env = {"PATH": os.environ["PATH"], "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{server.server_address[1]}",
                "AWS_LAMBDA_FUNCTION_NAME": "bench", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "RUST_LOG": "warn", **env}
    proc = subprocess.Popen([binary], env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finished = server.done.wait(300)
    proc.kill()
    proc.communicate()
    server.shutdown()
    server.server_close()
    if not finished or server.errors:
        raise RuntimeError(f"{binary}: no answer or an error: {server.errors[:1]}")
    answers = [json.loads(p) for _, p in server.responses]
    latencies = [(r - n) * 1000 for n, (r, _) in zip(server.nexts, server.responses)]
    return answers, latencies


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def run_once(cmd, env, events):
    server = Emulator(events)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    full_env = {"PATH": os.environ["PATH"], "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{server.server_address[1]}",
                "AWS_LAMBDA_FUNCTION_NAME": "bench", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_LAMBDA_LOG_GROUP_NAME": "bench",
                "AWS_LAMBDA_LOG_STREAM_NAME": "bench", "RUST_LOG": "warn,invitations::adapters::aws=info", **env}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    finished = server.done.wait(60)
    rss = peak_rss_kib(proc.pid) if finished else 0
    proc.kill()
    logs, _ = proc.communicate()
    server.shutdown()
    server.server_close()
    if not finished or server.errors:
        raise RuntimeError(f"{cmd[0]}: no answer or an error reply: {server.errors[:1]}")
    n, r = server.nexts, [t for t, _ in server.responses]
    # An HTTP answer's status; an SES report's outcome; an SQS or stream batch's count of records it asks
    # to be retried.
    statuses = [answer.get("statusCode") or answer.get("outcome")
                or f"{len(answer.get('batchItemFailures', []))} to retry"
                for answer in (json.loads(p) for _, p in server.responses)]
    return {"init": n[0] - start, "first": r[0] - n[0], "warm": r[1] - n[1] if len(r) > 1 else None,
            "warm_up": warm_up_seconds(logs), "rss": rss, "statuses": statuses}


def warm_up_seconds(logs):
    """The warm-up's own duration, from the line `adapters::aws::warm_up` logs (0 for binaries without one)."""
    for line in logs.decode(errors="replace").splitlines():
        try:
            fields = json.loads(line)
        except ValueError:
            continue
        if "warm_up_ms" in fields:
            return fields["warm_up_ms"] / 1000
    return 0.0


def load_event(name):
    with open(os.path.join(ROOT, "events", name)) as f:
        return json.load(f)


def invite_event(count):
    ev = load_event("invite.json")
    body = json.loads(ev["body"])
    body["invitees"] = [f"bench-{uuid.uuid4().hex[:12]}@example.com" for _ in range(count)]
    ev["body"] = json.dumps(body)
    return ev


def create_table():
    class Loader(yaml.SafeLoader):
        pass
    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    with open(os.path.join(ROOT, "template.yaml")) as f:
        props = yaml.load(f, Loader=Loader)["Resources"]["InvitationsTable"]["Properties"]
    name = f"bench-{uuid.uuid4().hex[:8]}"
    boto3.client("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=props["AttributeDefinitions"],
        KeySchema=props["KeySchema"], GlobalSecondaryIndexes=props["GlobalSecondaryIndexes"])
    return name


def main():
    table = create_table()
    sender = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    boto3.client("sesv2").create_email_identity(EmailIdentity=sender)
    aws = {k: os.environ[k] for k in ["AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SESV2", "AWS_ENDPOINT_URL_SQS",
                                      "AWS_ENDPOINT_URL_EVENTBRIDGE",
                                      "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]}
    queue = boto3.client("sqs", endpoint_url=os.environ["AWS_ENDPOINT_URL_SQS"]).create_queue(
        QueueName=f"bench-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    bus = f"bench-{uuid.uuid4().hex[:8]}"
    boto3.client("events", endpoint_url=os.environ["AWS_ENDPOINT_URL_EVENTBRIDGE"]).create_event_bus(Name=bus)
    fn_env = {**aws, "TABLE_NAME": table, "SENDER_EMAIL": sender, "ACCEPT_URL": "https://app.example.com/accept",
              "SEND_QUEUE_URL": queue, "EVENT_BUS_NAME": bus, "SES_CONFIGURATION_SET": "invitation-emails"}
    targets = [
        ("hello (floor)", [os.path.join(RELEASE, "hello")], lambda: [load_event("list.json")] * 2),
        ("invite", [os.path.join(RELEASE, "invite")], lambda: [invite_event(1), invite_event(1)]),
        ("list", [os.path.join(RELEASE, "list")], lambda: [load_event("list.json")] * 2),
        ("cancel", [os.path.join(RELEASE, "cancel")], lambda: [load_event("cancel.json")] * 2),
        ("resend", [os.path.join(RELEASE, "resend")], lambda: [load_event("resend.json")] * 2),
        # The refused path (one read of an invitation that does not exist): the same init as a success.
        ("accept", [os.path.join(RELEASE, "accept")], lambda: [load_event("accept-wrong-token.json")] * 2),
        # An empty batch: the paced sender's init and its answer, no email.
        ("send", [os.path.join(RELEASE, "send")], lambda: [{"Records": []}] * 2),
        # SES's report of an email: one conditional write (the sample's invitation is not in this table).
        ("delivery", [os.path.join(RELEASE, "delivery")], lambda: [load_event("ses/delivery.json")] * 2),
        # The sample stream batch: its records' events, published to the bus.
        ("events", [os.path.join(RELEASE, "events")], lambda: [load_event("stream.json")] * 2),
        ("python + boto3", [sys.executable, os.path.join(ROOT, "bench", "python", "bootstrap.py")], lambda: [load_event("list.json")] * 2),
    ]
    # BENCH_BASELINE: a folder of the same binaries built otherwise (another profile, another commit),
    # measured in the same rounds beside these.
    baseline = os.environ.get("BENCH_BASELINE")
    if baseline:
        functions = [t for t in targets if t[1][0].startswith(RELEASE) and t[0] != "hello (floor)"]
        targets += [(f"{name} (baseline)", [os.path.join(baseline, os.path.basename(cmd[0]))], events)
                    for name, cmd, events in functions]
    # Round after round, each target once a round, so whatever else the machine does in the meantime
    # falls on every target alike, the floor included.
    all_runs = {name: [] for name, _, _ in targets}
    for _ in range(RUNS):
        for name, cmd, events in targets:
            all_runs[name].append(run_once(cmd, fn_env, events()))
    rows = {}
    for name, runs in all_runs.items():
        rows[name] = {k: statistics.median(r[k] for r in runs) * 1000 for k in ["init", "first", "warm", "warm_up"]}
        rows[name]["rest"] = statistics.median(r["init"] - r["warm_up"] for r in runs) * 1000
        rows[name]["statuses"] = sorted({s for r in runs for s in r["statuses"]})
        print(f"  {name}: {rows[name]}", file=sys.stderr)
    floor = rows["hello (floor)"]["init"]
    python = rows["python + boto3"]["init"]
    print(f"Cold starts: median of {RUNS} each, taken in turns, milliseconds.\n")
    print("| function | init | × floor | Python ÷ it | warm-up calls | init without them | × floor "
          "| first invocation | warm invocation | first ÷ warm | answers |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['init']:.1f} | {r['init'] / floor:.2f} | {python / r['init']:.0f} | {r['warm_up']:.1f} | "
              f"{r['rest']:.1f} | {r['rest'] / floor:.2f} | {r['first']:.1f} | {r['warm']:.1f} | "
              f"{r['first'] / r['warm']:.2f} | {', '.join(map(str, r['statuses']))} |")
    print("\nRelease binaries (stripped):\n")
    print("| binary | bytes | MB |")
    print("|---|---:|---:|")
    for b in ["hello", "invite", "list", "cancel", "resend", "accept", "send", "delivery", "events", "console"]:
        size = os.path.getsize(os.path.join(RELEASE, b))
        print(f"| {b} | {size} | {size / 1e6:.2f} |")
        if baseline and os.path.exists(os.path.join(baseline, b)):
            size = os.path.getsize(os.path.join(baseline, b))
            print(f"| {b} (baseline) | {size} | {size / 1e6:.2f} |")
    big = run_once([os.path.join(RELEASE, "invite")], fn_env, [invite_event(100)])
    print(f"\nPeak RSS of one invite of 100 invitees (VmHWM): {big['rss'] / 1024:.1f} MiB, answer {big['statuses'][0]}.")


if __name__ == "__main__":
    main()
