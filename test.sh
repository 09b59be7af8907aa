#!/usr/bin/env bash
# Runs every test of the solution against real servers, then prints one line: "N passed, N failed".
# Installs the Debian packages the tests need first (as root or through sudo), or says what to install.
set -uo pipefail
cd "$(dirname "$0")"
scripts/prerequisites.sh test || exit 1

# The repository's local tools: the Aspire CLI (its tests drive the app host with it) and dotnet-ef.
dotnet tool restore >/dev/null || { echo "dotnet tool restore failed (see dotnet-tools.json)"; echo "0 passed, 1 failed"; exit 1; }
# The viewer's image engine (npm packages pinned in viewer/package-lock.json), which ViewerTests load in chromium.
scripts/build-viewer.sh || { echo "0 passed, 1 failed"; exit 1; }
dotnet build aspire.sln -nologo -clp:ErrorsOnly || { echo "0 passed, 1 failed"; exit 1; }

log="$(mktemp)"
dotnet test aspire.sln --no-build -nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Sum the per-assembly summaries ("Passed!  - Failed: 0, Passed: 12, Skipped: 0, Total: 12, ...").
read -r passed failed < <(awk '
  /(Passed|Failed)! +- +Failed:/ {
    gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1) }
  }
  END { print p + 0, f + 0 }' "$log")
rm -f "$log"

# A test host that crashed prints no summary; count it as a failure rather than report green.
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
