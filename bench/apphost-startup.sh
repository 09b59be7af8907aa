#!/usr/bin/env bash
# Start to healthy on this machine: the app host (AppHost/, Aspire's SDK) from `dotnet run` (solution already
# built) to its own "All N resources healthy" line, and through the CLI, `aspire start` → `aspire wait` for the three
# services. With OWN_HOST_COMMIT=<commit> (f77b5a3, the last commit with the imitation app host), that commit's own
# host is built in a worktree of its own and measured side by side in the same run. Each host on a data folder of its
# own, first run cold (initdb, RabbitMQ's first boot), then warm.
# Usage: [OWN_HOST_COMMIT=f77b5a3] bench/apphost-startup.sh [warm-runs]   Output: one line per run.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
own="$(mktemp -d /tmp/apphost-bench-own.XXXXXX)"; aspire="$(mktemp -d /tmp/apphost-bench-aspire.XXXXXX)"; cli="$(mktemp -d /tmp/apphost-bench-cli.XXXXXX)"
worktree=""
chmod 755 "$own" "$aspire" "$cli"
trap 'rm -rf "$own" "$aspire" "$cli"; [ -z "$worktree" ] || git worktree remove --force "$worktree"' EXIT
dotnet build aspire.sln -nologo -clp:ErrorsOnly >/dev/null
dotnet tool restore >/dev/null
if [ -n "${OWN_HOST_COMMIT:-}" ]; then
  worktree="$(mktemp -d /tmp/apphost-bench-own-src.XXXXXX)"
  git worktree add --detach "$worktree" "$OWN_HOST_COMMIT" >/dev/null
  dotnet build "$worktree/aspire.sln" -nologo -clp:ErrorsOnly >/dev/null
fi

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
  dotnet aspire start --apphost AppHost/AppHost.csproj --no-build --isolated --non-interactive --nologo -- \
    "--AppHost:DataDirectory=$cli" --AppHost:DemoData=false >/dev/null
  for service in resultsapi workflowworker imagingimport; do
    dotnet aspire wait "$service" --apphost AppHost/AppHost.csproj --timeout 180 --non-interactive --nologo >/dev/null
  done
  end=$(date +%s.%N)
  dotnet aspire stop --apphost AppHost/AppHost.csproj --non-interactive --nologo >/dev/null
  sleep 3
  printf '%-28s %6.2f s\n' "$1" "$(echo "$end - $start" | bc)"
}

for run in cold $(seq -f "warm%g" 1 "$runs"); do
  if [ -n "$worktree" ]; then
    until_healthy "own app host, $run" dotnet run --project "$worktree/AppHost" --no-build --no-launch-profile -- --runtime process --data-dir "$own" \
      --AppHost:DemoData=false --AppHost:Dashboard:Port=0 --AppHost:Dashboard:OtlpGrpcPort=0 --AppHost:Dashboard:OtlpHttpPort=0
  fi
  until_healthy "app host, $run" dotnet run --project AppHost --no-build -- "--AppHost:DataDirectory=$aspire" --AppHost:DemoData=false
  through_cli "aspire start→wait, $run"
done
