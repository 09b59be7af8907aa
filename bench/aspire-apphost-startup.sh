#!/usr/bin/env bash
# Start to healthy, side by side in one run on this machine: the imitation app host (AppHost/, "All N resources healthy")
# and the app host on Aspire's SDK (AspireAppHost/), both from `dotnet run` (solution already built) to the app host's
# own "All N resources healthy" line, and the Aspire one also through its CLI: `aspire start` → `aspire wait` for the
# three services. Each on a data folder of its own, first run cold (initdb, RabbitMQ's first boot), then warm.
# Usage: bench/aspire-apphost-startup.sh [warm-runs]   Output: one line per run.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
own="$(mktemp -d /tmp/apphost-bench-own.XXXXXX)"; aspire="$(mktemp -d /tmp/apphost-bench-aspire.XXXXXX)"; cli="$(mktemp -d /tmp/apphost-bench-cli.XXXXXX)"
chmod 755 "$own" "$aspire" "$cli"
trap 'rm -rf "$own" "$aspire" "$cli"' EXIT
dotnet build aspire.sln -nologo -clp:ErrorsOnly >/dev/null
dotnet tool restore >/dev/null

until_healthy() { # label, command...
  local label=$1 log start end pid; shift
  log="$(mktemp)"; start=$(date +%s.%N)
  setsid "$@" >"$log" 2>&1 &
  pid=$!
  while ! grep -q "resources healthy in" "$log"; do
    if ! kill -0 "$pid" 2>/dev/null; then cat "$log"; exit 1; fi
    sleep 0.05
  done
  end=$(date +%s.%N)
  kill -TERM -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  sleep 3
  rm -f "$log"
  printf '%-28s %6.2f s\n' "$label" "$(echo "$end - $start" | bc)"
}

through_cli() { # label
  local start end
  start=$(date +%s.%N)
  dotnet aspire start --apphost AspireAppHost/AspireAppHost.csproj --no-build --isolated --non-interactive --nologo -- \
    "--AppHost:DataDirectory=$cli" --AppHost:DemoData=false >/dev/null
  for service in resultsapi workflowworker imagingimport; do
    dotnet aspire wait "$service" --apphost AspireAppHost/AspireAppHost.csproj --timeout 180 --non-interactive --nologo >/dev/null
  done
  end=$(date +%s.%N)
  dotnet aspire stop --apphost AspireAppHost/AspireAppHost.csproj --non-interactive --nologo >/dev/null
  sleep 3
  printf '%-28s %6.2f s\n' "$1" "$(echo "$end - $start" | bc)"
}

for run in cold $(seq -f "warm%g" 1 "$runs"); do
  until_healthy "own app host, $run" dotnet run --project AppHost --no-build --no-launch-profile -- --runtime process --data-dir "$own" \
    --AppHost:DemoData=false --AppHost:Dashboard:Port=0 --AppHost:Dashboard:OtlpGrpcPort=0 --AppHost:Dashboard:OtlpHttpPort=0
  until_healthy "Aspire app host, $run" dotnet run --project AspireAppHost --no-build -- "--AppHost:DataDirectory=$aspire" --AppHost:DemoData=false
  through_cli "aspire start→wait, $run"
done
