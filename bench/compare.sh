#!/usr/bin/env bash
# Every side-by-side DICOM I/O comparison in one run, in Release, on this machine: ResultsApi (started by the app host
# in Production, with its real PostgreSQL, Redis, RabbitMQ and telemetry) against nginx serving the same files
# (bench/serving/run.py) and against Orthanc with its DICOMweb plugin (bench/dicomweb/run.py). Shorter cells than
# the full reports (BENCH_SECONDS, default 10 s after 15 s of warm-up), so the whole run stays under 12 minutes.
# Ends with one line per figure:
#   figure=<name> ours=<number> peer=<number> ratio=<ours÷peer for a rate, peer÷ours for a cost>
# and writes them, with the machine and date, to docs/benchmarks/compare.md (BENCH_WRITE_REPORT=0: not written).
# Needs: wrk nginx-light orthanc orthanc-dicomweb python3-pydicom python3-numpy (installed if missing, as root).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for p in wrk nginx-light orthanc orthanc-dicomweb python3-pydicom python3-numpy; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then apt-get install -y -qq "${missing[@]}" >/dev/null; fi
scripts/prerequisites.sh run >/dev/null
dotnet build aspire.sln -c Release -nologo -clp:ErrorsOnly -v:q || { echo "the Release build failed"; exit 1; }

started=$(date +%s)
figures="$(mktemp -d /tmp/bench-compare.XXXXXX)"
trap 'rm -rf "$figures"' EXIT
# 15 s of warm-up: before that the .NET JIT is still tiering up and ResultsApi's figures are not yet its own.
export BENCH_SECONDS="${BENCH_SECONDS:-10}" BENCH_WARMUP_SECONDS="${BENCH_WARMUP_SECONDS:-15}"
export BENCH_STOW_SECONDS="${BENCH_STOW_SECONDS:-$BENCH_SECONDS}" BENCH_NO_REPORT=1

BENCH_NO_ORTHANC=1 BENCH_FIGURES="$figures/serving.json" /usr/bin/python3 bench/serving/run.py >"$figures/serving.log" 2>&1 \
  || { cat "$figures/serving.log"; exit 1; }
BENCH_STOW_CONNECTIONS=4,16 BENCH_SCENARIOS=wado BENCH_FIGURES="$figures/dicomweb.json" /usr/bin/python3 bench/dicomweb/run.py >"$figures/dicomweb.log" 2>&1 \
  || { cat "$figures/dicomweb.log"; exit 1; }

/usr/bin/python3 - "$figures" "$(( $(date +%s) - started ))" <<'EOF'
import datetime, json, os, platform, sys
folder, seconds = sys.argv[1], int(sys.argv[2])
cells = json.load(open(os.path.join(folder, "serving.json"))) + json.load(open(os.path.join(folder, "dicomweb.json")))

def cell(scenario, server):
    return next(c for c in cells if c["scenario"].startswith(scenario) and c["server"].startswith(server))

def rate(name, scenario, peer):
    ours, theirs = cell(scenario, "ResultsApi")["rps"], cell(scenario, peer)["rps"]
    return name, ours, theirs, ours / theirs

def cost(name, scenario, peer):
    ours, theirs = cell(scenario, "ResultsApi")["cpu_ms"], cell(scenario, peer)["cpu_ms"]
    return name, ours, theirs, theirs / ours

stow4, stow16 = "STOW-RS, one new 128 KiB instance per request (4 ", "STOW-RS, one new 128 KiB instance per request (16 "
rows = [
    rate("stow_4c", stow4, "Orthanc"),
    rate("stow_16c", stow16, "Orthanc"),
    cost("stow_cpu", stow4, "Orthanc"),
    rate("get_0_5mb", "MR instances, whole", "nginx"),
    cost("get_0_5mb_cpu", "MR instances, whole", "nginx"),
    cost("get_100mb_cpu", "100 MB multi-frame, whole", "nginx"),
    rate("range_1mb", "100 MB multi-frame, 1 MiB Range", "nginx"),
    rate("wado_series", "WADO-RS, a whole series", "Orthanc"),
]
aims = {"stow_4c": 2.0, "stow_16c": 2.0, "stow_cpu": 2.0, "get_0_5mb": 0.9, "get_0_5mb_cpu": 0.9, "get_100mb_cpu": 0.67, "range_1mb": 0.85, "wado_series": 2.5}
lines = [f"figure={n} ours={o:.3f} peer={p:.3f} ratio={r:.2f}" for n, o, p, r in rows]
report = ["# DICOM I/O against the peers (bench/compare.sh)", "",
          f"{datetime.date.today()}, {os.cpu_count()} cores, {platform.platform()}; whole run {seconds} s. "
          "Rates are requests (or instances) per second; costs are server CPU milliseconds per request, PostgreSQL included "
          "for ResultsApi's STOW. ratio = ours ÷ peer for a rate, peer ÷ ours for a cost: above 1 is better than the peer.", "",
          "| figure | ours | peer | ratio | aim |", "| --- | ---: | ---: | ---: | ---: |"]
report += [f"| {n} | {o:,.3f} | {p:,.3f} | {r:.2f} | ≥ {aims[n]} |" for n, o, p, r in rows]
report += ["", "Other cells of the same run (not figures with an aim):", "", "| scenario | server | requests/s | CPU ms/request |", "| --- | --- | ---: | ---: |"]
report += [f"| {c['scenario']} | {c['server']} | {c['rps']:,.0f} | {c['cpu_ms']:.3f} |" for c in cells]
if os.environ.get("BENCH_WRITE_REPORT", "1") == "1":
    open("docs/benchmarks/compare.md", "w").write("\n".join(report) + "\n" + "\n```\n" + "\n".join(lines) + "\n```\n")
print("\n".join(lines))
EOF
