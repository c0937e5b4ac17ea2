"""Paced-sending benchmark: the release `invite`, `resend` and `send` binaries under a Lambda Runtime API
emulator, SES behind a stand-in for its quota (a proxy in front of moto that accepts at most RATE sends
in any one second and answers 429 beyond, recording each send), the send queue on moto's SQS drained
into five warm `send` instances (the mapping's MaximumConcurrency) as Lambda's event source mapping would. For each scenario: the time to
answer, the time until the last email was accepted, and the throttled sends. Run through scripts/bench."""
import atexit
import http.client
import http.server
import json
import os
import queue
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid

import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import RELEASE, create_table, invite_event, load_event  # noqa: E402
from cli import free_port  # noqa: E402


def moto_of_its_own(fair_queues=False):
    """A moto server of this run's own (bench/moto_server.py): its URL. SES and the send queue each get one, as in
    AWS, where they are two services: moto's SQS works through every queued message on each message sent,
    and with thousands queued that work would slow the SES sends beside it. With `fair_queues` its standard
    queues serve message groups as SQS's fair queues are documented to."""
    port = free_port()
    env = {**os.environ, "BENCH_FAIR_QUEUES": "1" if fair_queues else "0"}
    # `timeout` stops it by itself if this script is killed before its exit handler runs.
    proc = subprocess.Popen(["timeout", "3h", sys.executable, os.path.join(os.path.dirname(__file__), "moto_server.py"),
                             "-H", "127.0.0.1", "-p", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    # SIGTERM, which `timeout` passes on to the server; a SIGKILL would leave the server running.
    atexit.register(proc.terminate)
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            with urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=1):
                return url
        except OSError:
            time.sleep(0.2)
    sys.exit("a moto server of the benchmark's own did not start")


class Quota(http.server.ThreadingHTTPServer):
    """SES at moto, at most `rate` sends accepted in any one second."""
    daemon_threads = True

    def __init__(self, upstream, rate):
        super().__init__(("127.0.0.1", 0), QuotaHandler)
        self.upstream = urllib.parse.urlparse(upstream)
        self.rate, self.lock = rate, threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            # When each send was accepted, and to whom (the fairness benchmark tells accounts apart by it).
            self.accepted, self.recipients, self.throttled = [], [], 0


class QuotaHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_one(self, method):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        q = self.server
        if self.path.startswith("/v2/email/outbound-emails"):
            now = time.monotonic()
            with q.lock:
                recent = sum(1 for t in q.accepted[-q.rate:] if now - t < 1.0)
                ok = recent < q.rate
                if ok:
                    q.accepted.append(now)
                    q.recipients.append(json.loads(body)["Destination"]["ToAddresses"][0])
                else:
                    q.throttled += 1
            if not ok:
                out = b'{"message":"Maximum sending rate exceeded."}'
                self.send_response(429)
                self.send_header("x-amzn-ErrorType", "TooManyRequestsException")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)
                return
        conn = http.client.HTTPConnection(q.upstream.hostname, q.upstream.port, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        conn.request(method, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        out = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def do_GET(self):
        self.handle_one("GET")

    def do_POST(self):
        self.handle_one("POST")


class Warm(http.server.ThreadingHTTPServer):
    """A warm function: one process, events handed to it one at a time."""
    daemon_threads = True

    def __init__(self, binary, env, timeout_s):
        super().__init__(("127.0.0.1", 0), WarmHandler)
        self.events, self.replies, self.timeout_s = queue.Queue(), queue.Queue(), timeout_s
        threading.Thread(target=self.serve_forever, daemon=True).start()
        full = {"PATH": os.environ["PATH"], "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{self.server_address[1]}",
                "AWS_LAMBDA_FUNCTION_NAME": "bench", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_LAMBDA_LOG_GROUP_NAME": "bench",
                "AWS_LAMBDA_LOG_STREAM_NAME": "bench", "RUST_LOG": "warn", **env}
        # BENCH_LOGS: a folder for each process's log, to see why a run went as it did.
        logs = os.environ.get("BENCH_LOGS")
        out = open(os.path.join(logs, f"{binary}-{self.server_address[1]}.log"), "wb") if logs else subprocess.DEVNULL
        self.proc = subprocess.Popen([os.path.join(RELEASE, binary)], env=full, stdout=out, stderr=subprocess.STDOUT)

    def invoke(self, event):
        self.events.put(event)
        return self.replies.get(timeout=self.timeout_s + 30)

    def stop(self):
        self.proc.kill()
        self.shutdown()


class WarmHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        event = self.server.events.get()
        body = json.dumps(event).encode()
        self.send_response(200)
        self.send_header("Lambda-Runtime-Aws-Request-Id", str(uuid.uuid4()))
        deadline = int(time.time() * 1000) + self.server.timeout_s * 1000
        self.send_header("Lambda-Runtime-Deadline-Ms", str(deadline))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:bench")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        payload = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()
        self.server.replies.put(json.loads(payload or b"null"))


def drain(sqs, url, sender, stop):
    """The event source mapping: polls, invokes with up to ten records, deletes all but the failures.
    Short polls a quarter of a second apart where Lambda's poller holds long ones: moto wakes every
    waiting long poll on each message sent, and each woken poll looks through every queued message
    again, work that grows with the queue and slows the invites' SendMessageBatch beside it. A short
    poll looks once."""
    while not stop.is_set():
        out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=120)
        messages = out.get("Messages", [])
        if not messages:
            stop.wait(0.25)
            continue
        records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                    "eventSource": "aws:sqs"} for m in messages]
        reply = sender.invoke({"Records": records})
        failed = {f["itemIdentifier"] for f in reply.get("batchItemFailures", [])}
        done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(messages) if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(QueueUrl=url, Entries=done)


class Senders:
    """Warm `send` functions draining the queue at `url`, as many as the template's mapping allows at once
    (MaximumConcurrency), each past its init."""

    def __init__(self, env, sqs, url):
        self.done = threading.Event()
        self.senders = [Warm("send", env, 90) for _ in range(5)]
        self.pollers = [threading.Thread(target=drain, args=(sqs, url, s, self.done), daemon=True)
                        for s in self.senders]
        for p in self.pollers:
            p.start()
        time.sleep(1)

    def wait_for(self, quota, total, rate):
        """Until `total` emails were accepted, or two minutes more than they should take."""
        deadline = time.monotonic() + total / rate / 0.9 + 120
        while len(quota.accepted) < total and time.monotonic() < deadline:
            time.sleep(0.2)

    def stop(self):
        self.done.set()
        for p in self.pollers:
            p.join()
        for s in self.senders:
            s.stop()


def scenario(name, rate, total, work, env, quota, sqs, url):
    quota.reset()
    senders = Senders(env, sqs, url)
    start, answer_s, answered = work()
    senders.wait_for(quota, total, rate)
    last = quota.accepted[-1] - start if quota.accepted else float("nan")
    first = quota.accepted[0] - start if quota.accepted else float("nan")
    senders.stop()
    row = (name, rate, total, answer_s, first, last, total / rate, len(quota.accepted), quota.throttled, answered)
    print(f"  {row}", file=sys.stderr)
    return row


def main():
    table = create_table()
    sender = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    ses, queues = moto_of_its_own(), moto_of_its_own()
    boto3.client("sesv2", endpoint_url=ses).create_email_identity(EmailIdentity=sender)
    sqs = boto3.client("sqs", endpoint_url=queues)
    url = sqs.create_queue(QueueName=f"bench-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    aws = {"AWS_ENDPOINT_URL_SQS": queues, **{k: os.environ[k] for k in [
        "AWS_ENDPOINT_URL_DYNAMODB", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]}}
    rows = []
    for rate in [1, 14]:
        quota = Quota(ses, rate)
        threading.Thread(target=quota.serve_forever, daemon=True).start()
        env = {**aws, "AWS_ENDPOINT_URL_SESV2": f"http://127.0.0.1:{quota.server_address[1]}", "TABLE_NAME": table,
               "SENDER_EMAIL": sender, "ACCEPT_URL": "https://app.example.com/accept", "SEND_QUEUE_URL": url,
               "SEND_RATE": str(rate)}

        def invites(count):
            def work():
                fns = [Warm("invite", env, 29) for _ in range(count)]
                time.sleep(1)  # their init, before the clock starts counting what a request waits
                answers, threads = [], []
                events = [invite_event(100) for _ in fns]
                t0 = time.monotonic()

                def one(f, ev):
                    reply = f.invoke(ev)
                    answers.append((time.monotonic() - t0, reply["statusCode"]))
                for f, ev in zip(fns, events):
                    threads.append(threading.Thread(target=one, args=(f, ev)))
                    threads[-1].start()
                for t in threads:
                    t.join()
                for f in fns:
                    f.stop()
                # The slowest of the requests: each answers on its own.
                return t0, max(a[0] for a in answers), sorted({a[1] for a in answers})
            return work

        rows.append(scenario("invite of 100", rate, 100, invites(1), env, quota, sqs, url))
        if rate == 14:
            rows.append(scenario("five invites of 100 at once", rate, 500, invites(5), env, quota, sqs, url))
            rows.append(scenario("sweep of 1,000 due", rate, 1000, sweep_work(table, env), env, quota, sqs, url))
        quota.shutdown()
    print("Time to answer: the slowest request (the sweep: its invocation). First and last email: from the requests' start.\n")
    print("| scenario | quota (/s) | emails | time to answer (s) | first email (s) | last email accepted (s) | emails ÷ rate (s) | last ÷ (emails ÷ rate) | accepted | throttled |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, rate, total, answer_s, first, last, ideal, accepted, throttled, _ in rows:
        print(f"| {name} | {rate} | {total} | {answer_s:.2f} | {first:.2f} | {last:.2f} | {ideal:.2f} | {last / ideal:.3f} | {accepted} | {throttled} |")


def sweep_work(table, env):
    """Seeds 1,000 pending invitations last sent 73 hours ago (due for a resend), then runs one sweep."""
    db = boto3.client("dynamodb")
    now = int(time.time() * 1000)
    sent = now - 73 * 3600 * 1000
    for i in range(1000):
        inv_id = uuid7()
        item = {"pk": {"S": "ACCOUNT#bench-sweep"}, "sk": {"S": f"INV#{inv_id}"}, "id": {"S": inv_id},
                "account_id": {"S": "bench-sweep"}, "email": {"S": f"sweep-{i}@example.com"},
                "email_key": {"S": f"bench-sweep#sweep-{i}@example.com"}, "status": {"S": "pending"},
                "access": {"S": json.dumps({"iam": "no_access", "cloud_foundry": "no_access",
                                            "infrastructure": {"permissions": "view_only"}})},
                "invited_by": {"S": "bench"}, "created_at": {"N": str(sent)}, "updated_at": {"N": str(sent)},
                "last_sent_at": {"N": str(sent)}, "send_count": {"N": "1"}, "failed_attempts": {"N": "0"},
                "expires_at": {"N": str(now + 10 * 86400 * 1000)}, "token_hash": {"S": "0" * 64},
                "due_pk": {"S": f"due#{i % 16}"}, "due_at": {"N": str(now - 3600 * 1000)}}
        db.put_item(TableName=table, Item=item)

    def work():
        resend = Warm("resend", env, 300)
        time.sleep(1)
        t0 = time.monotonic()
        reply = resend.invoke(load_event("scheduled.json"))
        took = time.monotonic() - t0
        resend.stop()
        return t0, took, json.dumps(reply)
    return work


def uuid7():
    """A UUIDv7, the only form an invitation id takes."""
    ms = int(time.time() * 1000)
    rand = uuid.uuid4().int & ((1 << 74) - 1)
    value = (ms << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0x2 << 62) | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


if __name__ == "__main__":
    main()
