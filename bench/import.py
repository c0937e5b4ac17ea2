"""A large import through the command line: `invitations invite --file` of IMPORT_SIZE addresses (10,000
by default) against the local server on DynamoDB Local, stopped with Ctrl-C after IMPORT_STOP_AFTER
seconds and run again to the end, at 4 and at 16 requests at once (IMPORT_PARALLEL). Reports how many were invited before
the stop, each run's wall time and invitations a second, and checks what must hold: every address got
exactly one email, the account's seats count each invitation once, the second run answered what the
first had made. The local server writes emails to a folder at once (no SES rate), so this measures
the creates: each takes a seat on the account's one seats item. Run after scripts/lib.sh's
start_emulators, with release builds of `local` and `invitations`."""
import collections, json, os, re, subprocess, sys, tempfile, time, urllib.request, uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import RELEASE, create_table  # noqa: E402  (the cold-start benchmark's table, made from the template)
from cli import free_port, import_command, stopped_after  # noqa: E402
SIZE = int(os.environ.get("IMPORT_SIZE", "10000"))
STOP_AFTER = float(os.environ.get("IMPORT_STOP_AFTER", "5"))


def start_server(workdir, table, account):
    port = free_port()
    log = open(os.path.join(workdir, "server.log"), "w+")
    env = dict(os.environ, TABLE_NAME=table, RUST_LOG="warn")
    proc = subprocess.Popen([os.path.join(RELEASE, "local"), "--port", str(port), "--dynamodb", "--account", account],
                            cwd=workdir, stdout=log, stderr=subprocess.STDOUT, text=True, env=env)
    for _ in range(600):
        log.seek(0)
        found = re.search(r"^export TOKEN=(\S+)$", log.read(), re.M)
        if found:
            return proc, port, found.group(1)
        time.sleep(0.05)
    proc.kill()
    sys.exit("the local server printed no token")


def seats(port, token, account):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/accounts/{account}/seats",
                                 headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req) as resp:
        return json.load(resp)


def recipients(outbox):
    to = collections.Counter()
    for name in os.listdir(outbox):
        with open(os.path.join(outbox, name), errors="replace") as f:
            found = re.search(r"^To: .*?<?([^<>\s]+@[^<>\s]+)>?\s*$", f.read(), re.M)
        to[found.group(1).lower() if found else "?"] += 1
    return to


def one(parallel):
    table = create_table()
    account = f"import{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory() as workdir:
        proc, port, token = start_server(workdir, table, account)
        env = dict(os.environ, INVITATIONS_TOKEN=token, INVITATIONS_API_URL=f"http://127.0.0.1:{port}")
        cmd = import_command(workdir, SIZE, "import.example.com", parallel)
        start = time.perf_counter()
        stopped = stopped_after(STOP_AFTER, cmd, workdir, env)
        first_time = time.perf_counter() - start
        made = seats(port, token, account)["pending"]
        start = time.perf_counter()
        second = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True)
        second_time = time.perf_counter() - start
        results = json.loads(second.stdout or "[]")
        outcomes = collections.Counter(r["outcome"] for r in results)
        after = seats(port, token, account)
        to = recipients(os.path.join(workdir, "outbox"))
        proc.kill()
        proc.wait()
    ok = (second.returncode == 0 and outcomes == {"invited": SIZE} and after["pending"] == SIZE
          and len(to) == SIZE and set(to.values()) == {1})
    print(f"  {parallel} at once: first run {first_time:.1f} s, stopped: {stopped}, {made} invited by then",
          file=sys.stderr)
    return {"parallel": parallel, "stopped": stopped, "first_s": first_time, "made_before_stop": made,
            "second_s": second_time, "rate": (SIZE - made) / second_time, "outcomes": dict(outcomes),
            "seats": after, "emails": sum(to.values()), "twice": sum(1 for n in to.values() if n > 1), "ok": ok,
            "stderr": second.stderr.strip().splitlines()[-3:]}


def main():
    rows = [one(int(p)) for p in os.environ.get("IMPORT_PARALLEL", "4,16").split(",")]
    print(f"Import of {SIZE:,} addresses through `invitations invite --file`, the local server on DynamoDB Local, "
          f"stopped after {STOP_AFTER:g} s and run again:\n")
    print("| requests at once | invited before the stop | second run | its invitations a second | answers of the "
          "second run | seats pending | emails | sent twice | holds |")
    print("|---:|---:|---:|---:|---|---:|---:|---:|---|")
    for r in rows:
        print(f"| {r['parallel']} | {r['made_before_stop']:,} | {r['second_s']:.1f} s | {r['rate']:.0f} | "
              f"{r['outcomes']} | {r['seats']['pending']:,} | {r['emails']:,} | {r['twice']} | "
              f"{'yes' if r['ok'] else 'NO: ' + ' '.join(r['stderr'])} |")
    if not all(r["ok"] for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
