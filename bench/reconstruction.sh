#!/usr/bin/env bash
# Reconstruction time: the worker's code and the same steps on MathNet.Numerics (BenchmarkDotNet), and numpy, on the
# same k-space in one run. Writes docs/benchmarks/reconstruction.md. Usage: bench/reconstruction.sh
set -euo pipefail
cd "$(dirname "$0")/.."
data="$(mktemp -d)"; artifacts="$(mktemp -d)"; trap 'rm -rf "$data" "$artifacts"' EXIT
/usr/bin/python3 bench/numpy_reconstruct.py write "$data"
RECO_BENCH_DIR="$data" dotnet run -c Release --project bench/Reconstruction.Benchmarks -- --filter '*ReconstructionBenchmarks*' \
  --exporters json --artifacts "$artifacts" >"$artifacts/bdn.log" 2>&1 || { tail -50 "$artifacts/bdn.log"; exit 1; }
/usr/bin/python3 bench/numpy_reconstruct.py time "$data" > "$artifacts/numpy.json"
/usr/bin/python3 - "$artifacts" <<'PY'
import datetime, glob, json, os, platform, sys
import numpy
artifacts = sys.argv[1]
report = json.load(open(glob.glob(os.path.join(artifacts, "results", "*-report-full-compressed.json"))[0]))
py = json.load(open(os.path.join(artifacts, "numpy.json")))
ours = {(b["Parameters"].split("=")[1], b["Method"]): b for b in report["Benchmarks"]}
lines = [
    "# Reconstruction time: our FFT, MathNet.Numerics and numpy",
    "",
    f"Measured by `bench/reconstruction.sh` on {datetime.date.today()}, 2-core build machine. One record's reconstruction "
    "from k-space in memory to the root-sum-of-squares magnitude image: centred inverse 2-D FFT per coil "
    "(`fftshift(ifft2(ifftshift(k)))`), then the root sum of squares over coils. Same complex64 k-space on every side, "
    "written by numpy. **Precision: double on every side** — ours and MathNet compute in double by design; numpy "
    f"{numpy.__version__}'s pocketfft computes complex64 input in double as well. Ours and MathNet run the coils on both "
    "cores; numpy runs on one. BenchmarkDotNet medians (Release); numpy: median of 10 runs after one warm-up, "
    f"Python {platform.python_version()}.",
    "",
    "| k-space | ours ms | MathNet.Numerics ms | numpy ms | ours / numpy | ours allocated |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
]
for case in ["256x256x8", "512x512x32"]:
    o, m = ours[(case, "Ours")], ours[(case, "MathNet")]
    o_ms, m_ms, n_ms = o["Statistics"]["Median"] / 1e6, m["Statistics"]["Median"] / 1e6, py[case]["median_ms"]
    alloc = o.get("Memory", {}).get("BytesAllocatedPerOperation", 0) / 1e6
    rows_, cols_, coils_ = case.split("x")
    lines.append(f"| {rows_}×{cols_}, {coils_} coils | {o_ms:,.1f} | {m_ms:,.1f} | {n_ms:,.1f} | {o_ms / n_ms:.2f} | {alloc:,.1f} MB |")
lines += ["", "Why the FFT is our own: docs/decisions/0006-own-fft.md."]
open("docs/benchmarks/reconstruction.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
