#!/usr/bin/env bash
# Fuzzes a harness with AFL++ through SharpFuzz for a given time, then reports executions and findings.
# Usage: fuzz/run.sh dicom-reader|npy-reader|stow-parser|cohort-query [seconds=600]
# Findings (crashes, hangs) are left in fuzz/findings/<harness>/; the seed corpus is fuzz/corpus/<harness>/.
set -euo pipefail
cd "$(dirname "$0")/.."
harness="${1:?harness name, e.g. dicom-reader}"
seconds="${2:-600}"
# target: the assembly SharpFuzz instruments, whose branches guide AFL++ (framework assemblies cannot be instrumented).
case "$harness" in
  dicom-reader) project=fuzz/DicomReader.Fuzz; target=Dicom.dll ;;
  npy-reader) project=fuzz/NpyReader.Fuzz; target=Contracts.dll ;;
  stow-parser) project=fuzz/StowParser.Fuzz; target=Dicom.dll ;;
  cohort-query) project=fuzz/CohortQuery.Fuzz; target=ImagingImport.dll ;;
  *) echo "unknown harness '$harness' (known: dicom-reader, npy-reader, stow-parser, cohort-query)" >&2; exit 2 ;;
esac

if ! command -v afl-fuzz >/dev/null; then
  echo "Installing afl++ (Debian package)"; apt-get install -y -qq afl++ >/dev/null
fi
dotnet tool restore >/dev/null

out="$(mktemp -d)"
dotnet publish "$project" -c Release -o "$out" -nologo -v q
dotnet tool run sharpfuzz "$out/$target" >/dev/null

findings="fuzz/findings/$harness"
rm -rf "$findings"; mkdir -p "$findings"
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
timeout --signal=INT "$((seconds + 30))" afl-fuzz -V "$seconds" -i "fuzz/corpus/$harness" -o "$findings" -t 5000 -m 10000 \
  dotnet "$out/$(basename "$project").dll" >"$findings/afl.log" 2>&1 || true

stats="$findings/default/fuzzer_stats"
if [ ! -f "$stats" ]; then echo "afl-fuzz did not run; see $findings/afl.log" >&2; tail -20 "$findings/afl.log" >&2; exit 1; fi
execs=$(awk -F: '/^execs_done/ {gsub(/ /,"",$2); print $2}' "$stats")
crashes=$(find "$findings/default/crashes" -type f -name 'id:*' | wc -l)
hangs=$(find "$findings/default/hangs" -type f -name 'id:*' | wc -l)
paths=$(awk -F: '/^corpus_count/ {gsub(/ /,"",$2); print $2}' "$stats")
echo "$harness: ${seconds}s, $execs executions, $paths corpus entries, $crashes crashes, $hangs hangs"
[ "$crashes" -eq 0 ]
