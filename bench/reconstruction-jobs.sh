#!/usr/bin/env bash
# End-to-end reconstruction throughput and latency with one and two worker replicas, through the app host.
# Writes docs/benchmarks/reconstruction-jobs.md. Needs python3-numpy (installed if missing, as root).
set -euo pipefail
cd "$(dirname "$0")/.."
dpkg-query -W -f='${Status}' python3-numpy 2>/dev/null | grep -q "install ok installed" || apt-get install -y -qq python3-numpy >/dev/null
scripts/prerequisites.sh run
dotnet build aspire.sln -c Release -nologo -clp:ErrorsOnly
/usr/bin/python3 bench/jobs/run.py
