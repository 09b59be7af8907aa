#!/usr/bin/env bash
# qCT end to end: a 300-slice 512×512 chest CT stored by STOW-RS, then /results polled until 200 (bench/qct/run.py).
# Writes docs/benchmarks/qct.md. Needs: python3-pydicom python3-numpy (installed if missing, as root).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for p in python3-pydicom python3-numpy; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then apt-get install -y -qq "${missing[@]}" >/dev/null; fi
scripts/prerequisites.sh run >/dev/null
dotnet build aspire.sln -c Release -nologo -clp:ErrorsOnly -v:q
/usr/bin/python3 bench/qct/run.py
