#!/usr/bin/env bash
# Parse throughput: our Dicom reader (BenchmarkDotNet) and pydicom's dcmread on the same MR and CT files, in one run.
# Writes docs/benchmarks/dicom-parse.md. Usage: bench/dicom-parse.sh
set -euo pipefail
cd "$(dirname "$0")/.."
data="$(mktemp -d)"; trap 'rm -rf "$data"' EXIT
export DICOM_BENCH_DIR="$data"
dotnet run -c Release --project bench/Dicom.Benchmarks -- generate "$data" >/dev/null
artifacts="$(mktemp -d)"
dotnet run -c Release --project bench/Dicom.Benchmarks -- --filter '*ParseBenchmarks*' --exporters json --artifacts "$artifacts" >"$artifacts/bdn.log" 2>&1
/usr/bin/python3 bench/pydicom_parse.py "$data" > "$artifacts/pydicom.json"
/usr/bin/python3 - "$artifacts" "$data" <<'PY'
import glob, json, os, platform, sys, datetime
artifacts, data = sys.argv[1], sys.argv[2]
report = json.load(open(glob.glob(os.path.join(artifacts, "results", "*-report-full-compressed.json"))[0]))
py = json.load(open(os.path.join(artifacts, "pydicom.json")))
import pydicom
rows = []
for b in report["Benchmarks"]:
    modality = b["Parameters"].split("=")[1]
    mode = b["Method"]
    ours = b["Statistics"]["Median"] / 1e9
    ref = py[f"{modality}/{mode}"]
    files, size = ref["files"], ref["bytes"]
    alloc = b.get("Memory", {}).get("BytesAllocatedPerOperation", 0)
    rows.append((modality, mode, files, size, ours, ref["seconds"], alloc))
lines = [
    "# DICOM parse throughput: our reader against pydicom",
    "",
    f"Measured by `bench/dicom-parse.sh` on {datetime.date.today()}: {py['MR/FullParse']['files']} MR instances (256×256, 16-bit) and "
    f"{py['CT/FullParse']['files']} CT instances (512×512, 16-bit), each with ~110 header attributes, "
    "a private block and a nested sequence, written by the benchmark itself. The same files are read by both sides in one run: "
    "BenchmarkDotNet (median of its iterations, Release build) and pydicom "
    f"{pydicom.__version__} on Python {platform.python_version()} (median of 15 passes). "
    "Files come from the page cache on both sides. 2-core build machine.",
    "",
    "- **ParseToIndex**: read up to the pixel data and take the study, series and instance UIDs "
    "(pydicom: `dcmread(stop_before_pixels=True)`).",
    "- **FullParseDeferred**: read every element, leaving values over 64 KiB (the pixel data) on disk until used "
    "(pydicom: `dcmread(defer_size=64 KiB)`). This is how the services read files.",
    "- **FullParse**: read every element with the pixel data in memory (pydicom: `dcmread` and touch `PixelData`).",
    "",
    "| modality | mode | files | MB | ours files/s | ours MB/s | pydicom files/s | pydicom MB/s | speed-up | ours allocated per pass |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
]
for modality, mode, files, size, ours, theirs, alloc in rows:
    mb = size / 1e6
    lines.append(f"| {modality} | {mode} | {files} | {mb:.1f} | {files/ours:,.0f} | {mb/ours:,.0f} | {files/theirs:,.0f} | {mb/theirs:,.0f} | "
                 f"{theirs/ours:.1f}× | {alloc/1e6:.2f} MB |")
lines += ["", "MB/s counts the whole file size in every mode, including bytes skipped rather than read.", "",
          "With the pixel data in memory both readers are bound by copying it from the page cache into fresh memory "
          "(pydicom does that copy in C too), so the margin shrinks to what parsing the header is worth. The services "
          "index with ParseToIndex and serve pixel data by streaming it from the file, never by holding it."]
open("docs/benchmarks/dicom-parse.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
