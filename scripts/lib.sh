# Shared by scripts/test and scripts/bench: installs what they need into the ignored .cache/ and starts
# DynamoDB Local and moto (SES v2, EventBridge, SQS) on free loopback ports. Source it from the repository root.
root=$(pwd)
cache="$root/.cache"
venv="$cache/venv"
sam_venv="$cache/sam"
logs="$cache/logs"
mkdir -p "$cache" "$logs"

# Each step says how far into the run it starts, so a slow run shows where its time went.
step() { printf '\n== %s (at %dm%02ds)\n' "$*" $((SECONDS / 60)) $((SECONDS % 60)); }

# Debian packages, with the package lists refreshed once per run first.
apt_install() {
  if [ -z "${apt_updated:-}" ]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Java, DynamoDB Local and moto: what ./scripts/aws-local needs.
install_emulators() {
  if ! command -v java >/dev/null; then
    apt_install openjdk-17-jre-headless
  fi
  ddb="$cache/dynamodb-local"
  if [ ! -f "$ddb/DynamoDBLocal.jar" ]; then
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent amplify-dynamodb-simulator@2.9.30 >/dev/null && tar xzf amplify-dynamodb-simulator-2.9.30.tgz)
    rm -rf "$ddb" && mv "$tmp/package/emulator" "$ddb" && rm -rf "$tmp"
  fi
  if [ ! -x "$venv/bin/moto_server" ] || [ ! -x "$venv/bin/cfn-lint" ] || [ ! -x "$venv/bin/checkov" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check 'moto[server]==5.*' 'cfn-lint==1.*' 'checkov==3.*'
  fi
}

# What a run writes: about 1.5 GB of tools in .cache/, 2.7 GB of the fuzz build, 3.7 GB of target/ and
# 0.5 GB of crates, 9 GB at its peak (a fresh clone on 2026-12-07). A full disk fails an install or a
# build with a message that names neither the disk nor what was needed, so the run says it first.
disk_check() {
  local free_gb
  free_gb=$(df -Pk "$root" | awk 'NR == 2 {print int($4 / 1048576)}')
  echo "disk: ${free_gb} GB free where the run writes; it needs about 10 GB"
  if [ "$free_gb" -lt 2 ]; then
    echo "not enough disk to install the tools and build: free some space where $root is" >&2
    return 1
  elif [ "$free_gb" -lt 10 ]; then
    echo "warning: less disk than a whole run writes; it may fail with 'No space left on device'" >&2
  fi
}

install_tools() {
  disk_check
  install_emulators
  # Schemathesis fuzzes the local server from openapi.yaml; packaging stays where checkov pins it.
  if [ ! -x "$venv/bin/schemathesis" ]; then
    "$venv/bin/pip" install -q --disable-pip-version-check 'schemathesis==4.32.5' 'packaging<24'
  fi
  # The accept page's and the console's tests drive Debian's headless Chromium over WebDriver
  # (tests/e2e/browser.rs, tests/e2e/console/).
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    apt_install chromium chromium-driver
  fi
  # axe-core checks the console's accessibility inside Chromium (tests/e2e/console/); the tests inject
  # its one file, so nothing of it reaches the page as served.
  if [ ! -f "$cache/axe-core/axe.min.js" ]; then
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent axe-core@4.14.1 >/dev/null && tar xzf axe-core-4.14.1.tgz)
    rm -rf "$cache/axe-core" && mv "$tmp/package" "$cache/axe-core" && rm -rf "$tmp"
  fi
  # cargo-lambda's Runtime API emulator runs every sample event (tests/e2e/cargo_lambda.rs); the wheel
  # brings its own zig.
  if [ ! -x "$venv/bin/cargo-lambda" ]; then
    "$venv/bin/pip" install -q --disable-pip-version-check 'cargo-lambda==1.*'
  fi
  # SAM CLI in a venv of its own: it pins boto3 and packaging versions that checkov's pins exclude.
  if [ ! -x "$sam_venv/bin/sam" ]; then
    python3 -m venv "$sam_venv"
    "$sam_venv/bin/pip" install -q --disable-pip-version-check 'aws-sam-cli==1.*'
  fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_http() {
  for _ in $(seq 1 150); do
    if curl -s -o /dev/null "$1"; then return 0; fi
    sleep 0.2
  done
  echo "$2 did not start; its log:" >&2; cat "$3" >&2; return 1
}

# The emulators stand in for AWS services, which never share a CPU with the code that calls them: they
# run ahead of everything else here, so that the tests' own load (two tests at once, a browser, the
# binaries they start) or another program's does not slow their answers into the SDK's timeouts, whose
# retries would send an email twice or count a call twice. Raising a priority takes root, as CI has.
emulator_priority() { if [ "$(id -u)" = 0 ]; then echo "nice -n -10"; fi; }

# Starts both emulators, stops them when the calling script exits, and points the SDK at them.
start_emulators() {
  local ddb_port ses_port prio
  ddb_port=$(free_port); ses_port=$(free_port); prio=$(emulator_priority)
  # `timeout` makes the servers stop by themselves even if the script is killed before its trap runs.
  (cd "$cache/dynamodb-local" && exec $prio timeout 3h java -Djava.library.path=DynamoDBLocal_lib -jar DynamoDBLocal.jar -inMemory -port "$ddb_port" >"$logs/dynamodb.log" 2>&1) &
  ddb_pid=$!
  $prio timeout 3h "$venv/bin/moto_server" -H 127.0.0.1 -p "$ses_port" >"$logs/moto.log" 2>&1 &
  ses_pid=$!
  trap 'kill $ddb_pid $ses_pid 2>/dev/null || true' EXIT
  wait_http "http://127.0.0.1:$ddb_port" "DynamoDB Local" "$logs/dynamodb.log"
  wait_http "http://127.0.0.1:$ses_port/moto-api/data.json" "moto" "$logs/moto.log"
  echo "DynamoDB Local on $ddb_port, moto (SES v2, EventBridge, SQS) on $ses_port"
  export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$ddb_port"
  export AWS_ENDPOINT_URL_SESV2="http://127.0.0.1:$ses_port"
  export AWS_ENDPOINT_URL_EVENTBRIDGE="http://127.0.0.1:$ses_port"
  export AWS_ENDPOINT_URL_SQS="http://127.0.0.1:$ses_port"
  export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
  unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL
}

# Schemathesis against the local server, once per seed of SCHEMATHESIS_RUNS: each run a fresh server on a
# free loopback port (so a seed's run can be repeated alone), its development token, the description it
# serves, the settings in tests/schemathesis.toml. A resend is allowed a second after the last email and
# an invitation two emails, so its sequences (invite, then resend) reach 200, 429 and `send_limit_reached`
# in seconds. Each run's log (and a HAR of every exchange) goes to $logs; a short summary is printed.
# Needs the built `local` binary.
# One seed finds what its requests reach and no more: the settings' seed 15 with 100 examples an
# operation; 84348014, with every check, which found cursors the description allowed and the server
# refused; and 20261206, 40 examples each (about 30 s, 20 s and 20 s).
SCHEMATHESIS_RUNS=("--seed 15" "--seed 84348014 --checks all --max-examples 40" "--seed 20261206 --max-examples 40")

schemathesis_once() {
  local args=$1 seed port dir log status
  seed=$(sed -E 's/.*--seed ([0-9]+).*/\1/' <<<"$args")
  port=$(free_port); dir=$(mktemp -d); log="$logs/schemathesis-$seed.log"
  (cd "$dir" && RESEND_MIN_INTERVAL=1s MAX_SENDS=2 exec timeout 20m "$root/target/debug/local" --port "$port" >"$dir/server.log" 2>&1) &
  local server=$!
  wait_http "http://127.0.0.1:$port/openapi.yaml" "the local server" "$dir/server.log"
  set +e
  # shellcheck disable=SC2086 # the run's arguments split as written
  TOKEN=$(sed -n 's/^export TOKEN=//p' "$dir/server.log") timeout 10m "$venv/bin/schemathesis" \
    --config-file tests/schemathesis.toml run "http://127.0.0.1:$port/openapi.yaml" $args \
    --url "http://127.0.0.1:$port" --no-color --report har --report-har-path "$logs/schemathesis-$seed.har" >"$log" 2>&1
  status=$?
  set -e
  kill "$server" 2>/dev/null || true
  rm -rf "$dir"
  echo "seed $seed: $(grep -E '^\s+[0-9]+ generated' "$log" | tr -s ' ' || echo 'no summary')"
  if [ "$status" -ne 0 ]; then
    sed -n '/SUMMARY/,$p' "$log" | grep -vE '^\s*$' | head -n 30 || true
    echo "Schemathesis found failures with $args (exit $status); its log: $log" >&2
  fi
  return "$status"
}

run_schemathesis() {
  local failed=0 run
  for run in "${SCHEMATHESIS_RUNS[@]}"; do
    schemathesis_once "$run" || failed=1
  done
  return "$failed"
}
