# Shared by scripts/test and scripts/bench: installs what they need into the ignored .cache/ and starts
# DynamoDB Local and moto (SES v2) on free loopback ports. Source it from the repository root.
root=$(pwd)
cache="$root/.cache"
venv="$cache/venv"
logs="$cache/logs"
mkdir -p "$cache" "$logs"

step() { printf '\n== %s\n' "$*"; }

# Debian packages, with the package lists refreshed once per run first.
apt_install() {
  if [ -z "${apt_updated:-}" ]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

install_tools() {
  if ! command -v java >/dev/null; then
    apt_install openjdk-17-jre-headless
  fi
  # The accept page's test drives Debian's headless Chromium over WebDriver (tests/e2e/browser.rs).
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    apt_install chromium chromium-driver
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

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_http() {
  for _ in $(seq 1 150); do
    if curl -s -o /dev/null "$1"; then return 0; fi
    sleep 0.2
  done
  echo "$2 did not start; its log:" >&2; cat "$3" >&2; return 1
}

# Starts both emulators, stops them when the calling script exits, and points the SDK at them.
start_emulators() {
  local ddb_port ses_port
  ddb_port=$(free_port); ses_port=$(free_port)
  # `timeout` makes the servers stop by themselves even if the script is killed before its trap runs.
  (cd "$cache/dynamodb-local" && exec timeout 3h java -Djava.library.path=DynamoDBLocal_lib -jar DynamoDBLocal.jar -inMemory -port "$ddb_port" >"$logs/dynamodb.log" 2>&1) &
  ddb_pid=$!
  timeout 3h "$venv/bin/moto_server" -H 127.0.0.1 -p "$ses_port" >"$logs/moto.log" 2>&1 &
  ses_pid=$!
  trap 'kill $ddb_pid $ses_pid 2>/dev/null || true' EXIT
  wait_http "http://127.0.0.1:$ddb_port" "DynamoDB Local" "$logs/dynamodb.log"
  wait_http "http://127.0.0.1:$ses_port/moto-api/data.json" "moto" "$logs/moto.log"
  echo "DynamoDB Local on $ddb_port, moto (SES v2, SQS) on $ses_port"
  export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$ddb_port"
  export AWS_ENDPOINT_URL_SESV2="http://127.0.0.1:$ses_port"
  # The send queue is moto's too.
  export AWS_ENDPOINT_URL_SQS="http://127.0.0.1:$ses_port"
  export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
  unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL
}
