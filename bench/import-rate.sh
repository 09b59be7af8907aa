#!/usr/bin/env bash
# Cohort import rate: 200 small studies from Orthanc into the XNAT stand-in answering after 50 ms, through the whole
# application, at per-project concurrency 2 (the default), 4 and 8. Writes docs/benchmarks/imaging-import.md.
# Needs: orthanc orthanc-dicomweb (installed if missing, as root).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for p in orthanc orthanc-dicomweb; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then apt-get install -y -qq "${missing[@]}" >/dev/null; fi
scripts/prerequisites.sh run
dotnet build aspire.sln -c Release -nologo -clp:ErrorsOnly
# The app host under test runs its services from their Release builds.
dotnet run -c Release --no-build --project bench/ImportRate -- "${STUDIES:-200}" "${LATENCY_MS:-50}" docs/benchmarks/imaging-import.md 2 4 8
