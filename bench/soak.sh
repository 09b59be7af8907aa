#!/usr/bin/env bash
# A 10-minute soak of the whole application under mixed traffic, with memory, descriptor and thread bounds per service.
# Writes artifacts/reliability/soak.md (copied into docs/reliability.md). SOAK_SECONDS shortens or lengthens it.
set -euo pipefail
cd "$(dirname "$0")/.."
for package in wrk python3-numpy python3-pydicom; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || apt-get install -y -qq "$package" >/dev/null
done
scripts/prerequisites.sh run
dotnet build aspire.sln -c Release -nologo -clp:ErrorsOnly
/usr/bin/python3 bench/soak/run.py
