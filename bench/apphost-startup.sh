#!/usr/bin/env bash
# Measures the time from `dotnet run --project AppHost` (solution already built) to every resource healthy.
# The first run uses a fresh data folder (initdb, RabbitMQ's first boot); the others reuse it.
# Usage: bench/apphost-startup.sh [warm-runs]   Output: one line per run, then a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
data="$(mktemp -d /tmp/apphost-bench.XXXXXX)"
chmod 755 "$data"
trap 'rm -rf "$data"' EXIT

dotnet build aspire.sln -nologo -clp:ErrorsOnly >/dev/null

measure() {
  local log start end
  log="$(mktemp)"
  start=$(date +%s.%N)
  setsid dotnet run --project AppHost --no-launch-profile -- --runtime process --data-dir "$data" \
    --AppHost:Dashboard:Port=0 --AppHost:Dashboard:OtlpHttpPort=0 >"$log" 2>&1 &
  local pid=$!
  while ! grep -q "resources healthy in" "$log"; do
    if ! kill -0 "$pid" 2>/dev/null; then cat "$log"; exit 1; fi
    sleep 0.05
  done
  end=$(date +%s.%N)
  local reported
  reported=$(grep -o "healthy in [0-9.]* s" "$log" | grep -o "[0-9.]*")
  kill -TERM -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$log"
  printf '%s %.2f %s\n' "$1" "$(echo "$end - $start" | bc)" "$reported"
}

echo "run wall_seconds_from_dotnet_run apphost_reported_seconds"
measure cold
for i in $(seq 1 "$runs"); do measure "warm$i"; done
