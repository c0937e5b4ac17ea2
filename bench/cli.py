"""The command line's figures for BENCHMARKS.md: a 1,000-address CSV invite against the local server
(wall time and the requests the server saw), and `invitations --help` against a hello-world clap binary,
both release builds, side by side in one run."""
import json, os, re, signal, socket, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import RELEASE  # noqa: E402  (target/release, or the build BENCH_RELEASE names)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def import_command(workdir, size, domain, parallel, *extra):
    """`invitations invite --file team.csv` of `size` people at `domain`, written to `workdir`."""
    with open(os.path.join(workdir, "team.csv"), "w") as f:
        f.write("name,email\n" + "".join(f"P {i},p{i}@{domain}\n" for i in range(size)))
    return [os.path.join(RELEASE, "invitations"), "invite", "--file", "team.csv", "--infra", "basic_user",
            "--parallel", str(parallel), "--output", "json", *extra]


def stopped_after(seconds, cmd, workdir, env):
    """Runs `cmd` and presses Ctrl-C after `seconds` unless it ended first: whether it was stopped.
    Ctrl-C as a person presses it: the default action, even when this script was started in the
    background of a shell, which starts it ignoring SIGINT for its children to inherit."""
    run = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        run.wait(seconds)
        return False
    except subprocess.TimeoutExpired:
        run.send_signal(signal.SIGINT)
        run.wait()
        return True


def start_server(workdir):
    port = free_port()
    log = open(os.path.join(workdir, "server.log"), "w+")
    proc = subprocess.Popen([os.path.join(RELEASE, "local"), "--port", str(port)], cwd=workdir,
                            stdout=log, stderr=subprocess.STDOUT, text=True)
    for _ in range(300):
        log.seek(0)
        found = re.search(r"^export TOKEN=(\S+)$", log.read(), re.M)
        if found:
            return proc, log, port, found.group(1)
        time.sleep(0.05)
    proc.kill()
    sys.exit("the local server printed no token")


def requests_seen(log):
    log.seek(0)
    lines = [json.loads(l) for l in log if l.startswith("{")]
    return sum(1 for l in lines if l.get("fields", l).get("message") in ("request done", "request refused"))


def bulk_invite(runs=3):
    times, requests = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as workdir:
            proc, log, port, token = start_server(workdir)
            with open(os.path.join(workdir, "team.csv"), "w") as f:
                f.write("name,email\n" + "".join(f"P {i},p{i}@bench.example.com\n" for i in range(1000)))
            env = dict(os.environ, INVITATIONS_TOKEN=token, INVITATIONS_API_URL=f"http://127.0.0.1:{port}")
            cmd = [os.path.join(RELEASE, "invitations"), "invite", "--file", "team.csv", "--infra", "basic_user",
                   "--output", "json"]
            start = time.perf_counter()
            done = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True)
            times.append(time.perf_counter() - start)
            if done.returncode != 0 or len(os.listdir(os.path.join(workdir, "outbox"))) != 1000:
                sys.exit(f"the invite failed: {done.stderr}")
            time.sleep(0.2)
            requests.append(requests_seen(log))
            proc.kill()
    return times, requests


def startup(binary, args, runs=200):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([binary, *args], stdout=subprocess.DEVNULL, check=True)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), sorted(samples)[int(runs * 0.9)]


def main():
    times, requests = bulk_invite()
    print("| invite of 1,000 from a CSV (local server, in memory) | wall time | requests |")
    print("|---|---:|---:|")
    for t, r in zip(times, requests):
        print(f"| run | {t:.2f} s | {r} |")
    cli = startup(os.path.join(RELEASE, "invitations"), ["--help"])
    floor = startup(os.path.join(RELEASE, "clap-hello"), ["--help"])
    print()
    print("| `--help`, 200 runs | median | p90 |")
    print("|---|---:|---:|")
    print(f"| invitations | {cli[0]:.2f} ms | {cli[1]:.2f} ms |")
    print(f"| clap hello world | {floor[0]:.2f} ms | {floor[1]:.2f} ms |")
    print(f"\nsizes: invitations {os.path.getsize(os.path.join(RELEASE, 'invitations')) / 1e6:.2f} MB, "
          f"clap hello world {os.path.getsize(os.path.join(RELEASE, 'clap-hello')) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
