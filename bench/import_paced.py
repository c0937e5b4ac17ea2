"""A large import at SES's rate: `invitations invite --file` of IMPORT_PACED_SIZE addresses (2,000 by
default) through a stand-in for API Gateway into warm release `invite` functions, as bench/pacing.py runs
them (SES behind its quota stand-in at IMPORT_PACED_RATE a second, 14 by default, the send queue drained
into five warm senders). The first run is stopped with Ctrl-C after IMPORT_STOP_AFTER seconds and the
command run again to the end, as someone whose laptop slept would. Reports the emails a second from the
first to the last against the rate, the throttled sends, and what must hold: every address got exactly
one email, and the second run answered every address `invited`. Run through scripts/bench."""
import base64
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import http.server

import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import create_table, load_event  # noqa: E402
from cli import import_command, stopped_after  # noqa: E402
from pacing import Quota, Senders, Warm, moto_of_its_own  # noqa: E402

SIZE = int(os.environ.get("IMPORT_PACED_SIZE", "2000"))
RATE = int(os.environ.get("IMPORT_PACED_RATE", "14"))
STOP_AFTER = float(os.environ.get("IMPORT_STOP_AFTER", "5"))
PARALLEL = 4


class Gateway(http.server.ThreadingHTTPServer):
    """API Gateway's HTTP API as the invite route sees it: each request becomes the route's event, with
    the caller's verified claims (an owner of `account`), handed to a free warm `invite`."""
    daemon_threads = True

    def __init__(self, account, env):
        super().__init__(("127.0.0.1", 0), GatewayHandler)
        self.account, self.free = account, queue.Queue()
        self.functions = [Warm("invite", env, 29) for _ in range(PARALLEL)]
        for f in self.functions:
            self.free.put(f)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def stop(self):
        for f in self.functions:
            f.stop()
        self.shutdown()


class GatewayHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        gw = self.server
        if self.path != f"/accounts/{gw.account}/invitations":
            self.answer(404, {}, b'{"code":"not_found"}')
            return
        ev = load_event("invite.json")
        ev["rawPath"] = ev["requestContext"]["http"]["path"] = self.path
        ev["pathParameters"]["account_id"] = gw.account
        ev["requestContext"]["authorizer"]["jwt"]["claims"]["account_id"] = gw.account
        ev["headers"] = {k.lower(): v for k, v in self.headers.items()}
        ev["body"] = body.decode()
        fn = gw.free.get()
        try:
            reply = fn.invoke(ev)
        finally:
            gw.free.put(fn)
        out = reply.get("body") or ""
        out = base64.b64decode(out) if reply.get("isBase64Encoded") else out.encode()
        self.answer(reply["statusCode"], reply.get("headers") or {}, out)

    def answer(self, status, headers, out):
        self.send_response(status)
        for k, v in headers.items():
            if k.lower() not in ("content-length", "connection"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        try:
            self.wfile.write(out)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the first run, stopped before its answer came


def main():
    table = create_table()
    account = f"paced{uuid.uuid4().hex[:6]}"
    sender = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    ses, queues = moto_of_its_own(), moto_of_its_own()
    boto3.client("sesv2", endpoint_url=ses).create_email_identity(EmailIdentity=sender)
    sqs = boto3.client("sqs", endpoint_url=queues)
    url = sqs.create_queue(QueueName=f"bench-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    quota = Quota(ses, RATE)
    threading.Thread(target=quota.serve_forever, daemon=True).start()
    env = {"AWS_ENDPOINT_URL_SQS": queues, "AWS_ENDPOINT_URL_SESV2": f"http://127.0.0.1:{quota.server_address[1]}",
           "TABLE_NAME": table, "SENDER_EMAIL": sender, "ACCEPT_URL": "https://app.example.com/accept",
           "SEND_QUEUE_URL": url, "SEND_RATE": str(RATE),
           **{k: os.environ[k] for k in ["AWS_ENDPOINT_URL_DYNAMODB", "AWS_REGION", "AWS_ACCESS_KEY_ID",
                                         "AWS_SECRET_ACCESS_KEY"]}}
    gateway = Gateway(account, env)
    senders = Senders(env, sqs, url)
    with tempfile.TemporaryDirectory() as workdir:
        cli_env = dict(os.environ, INVITATIONS_TOKEN="stand-in",
                       INVITATIONS_API_URL=f"http://127.0.0.1:{gateway.server_address[1]}")
        cmd = import_command(workdir, SIZE, "paced.example.com", PARALLEL, "--account", account)
        start = time.monotonic()
        stopped = stopped_after(STOP_AFTER, cmd, workdir, cli_env)
        accepted_at_stop = len(quota.accepted)
        second = subprocess.run(cmd, cwd=workdir, env=cli_env, capture_output=True, text=True)
        answered = time.monotonic() - start
        outcomes = {}
        for r in json.loads(second.stdout or "[]"):
            outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
        if second.returncode == 0:
            senders.wait_for(quota, SIZE, RATE)
    senders.stop()
    gateway.stop()
    accepted = quota.accepted
    span = accepted[-1] - accepted[0] if len(accepted) > 1 else float("nan")
    twice = len(quota.recipients) - len(set(quota.recipients))
    # What must hold whatever the machine's load: each address emailed once. Throttles are a figure, as in
    # bench/pacing.py: a sender starved of CPU reaches SES off its slot.
    ok = second.returncode == 0 and outcomes == {"invited": SIZE} and len(accepted) == SIZE and twice == 0
    print(f"Import of {SIZE:,} addresses through `invitations invite --file` ({PARALLEL} requests at once) into "
          f"the `invite` function, SES's quota at {RATE} a second, stopped after {STOP_AFTER:g} s and run again:\n")
    print("| emails accepted by the stop | both runs answered (s) | last email (s) | emails ÷ rate (s) "
          "| emails a second, first to last | of the rate | throttled | sent twice | second run's answers | holds |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    last = accepted[-1] - start if accepted else float("nan")
    print(f"| {accepted_at_stop:,}{'' if stopped else ' (not stopped)'} | {answered:.1f} | {last:.1f} | "
          f"{SIZE / RATE:.1f} | {len(accepted) / span:.2f} | {len(accepted) / span / RATE:.0%} | {quota.throttled} "
          f"| {twice} | {outcomes} | {'yes' if ok else 'NO: ' + ' '.join(second.stderr.strip().splitlines()[-3:])} |")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
