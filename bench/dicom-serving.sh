#!/usr/bin/env bash
# DICOM serving throughput: ResultsApi against nginx and Orthanc on the same files, with wrk, in one run.
# Writes docs/benchmarks/dicom-serving.md. Needs: wrk nginx-light orthanc (installed if missing, as root).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for p in wrk nginx-light orthanc python3-pydicom python3-numpy; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then apt-get install -y -qq "${missing[@]}" >/dev/null; fi
scripts/prerequisites.sh run
dotnet build aspire.sln -c Release -nologo -clp:ErrorsOnly
/usr/bin/python3 bench/serving/run.py
