#!/usr/bin/env bash
# The viewer's first image and scrolling in Debian's chromium, for a 300-slice CT (BENCH_SLICES), through the app
# host in Release; writes docs/benchmarks/viewer.md. Needs chromium, python3-pydicom, python3-numpy and Node.js.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/prerequisites.sh test >/dev/null
scripts/build-viewer.sh
(cd bench/viewer && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
dotnet build aspire.sln -c Release -nologo -clp:ErrorsOnly -v:q || { echo "the Release build failed"; exit 1; }
/usr/bin/python3 bench/viewer/run.py
