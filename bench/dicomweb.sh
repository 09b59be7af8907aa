#!/usr/bin/env bash
# DICOMweb throughput: ResultsApi's STOW-RS, QIDO-RS and WADO-RS against Orthanc's DICOMweb plugin, with wrk, in one run.
# Writes docs/benchmarks/dicomweb.md. Needs: wrk orthanc orthanc-dicomweb (installed if missing, as root).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for p in wrk orthanc orthanc-dicomweb python3-pydicom python3-numpy; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then apt-get install -y -qq "${missing[@]}" >/dev/null; fi
scripts/prerequisites.sh run
dotnet build aspire.sln -c Release -nologo -clp:ErrorsOnly
/usr/bin/python3 bench/dicomweb/run.py
