"""numpy's side of bench/reconstruction.sh: writes the k-space cases, then times numpy's reconstruction of each.

numpy_reconstruct.py write DIR   -> kspace-{case}.npy (complex64, phantom-like)
numpy_reconstruct.py time DIR    -> JSON {case: {"median_ms": ..., "runs": ...}}
"""
import json
import sys
import time

import numpy as np

CASES = {"256x256x8": (8, 256, 256), "512x512x32": (32, 512, 512)}
mode, folder = sys.argv[1], sys.argv[2]
if mode == "write":
    rng = np.random.default_rng(7)
    for name, shape in CASES.items():
        k = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)
        np.save(f"{folder}/kspace-{name}.npy", k)
    sys.exit(0)


def reconstruct(k):
    images = np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(k, axes=(-2, -1)), axes=(-2, -1)), axes=(-2, -1))
    return np.sqrt(np.sum(np.abs(images) ** 2, axis=0))


report = {}
for name in CASES:
    k = np.load(f"{folder}/kspace-{name}.npy")
    reconstruct(k)
    runs = 10
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        image = reconstruct(k)
        times.append(time.perf_counter() - started)
    report[name] = {"median_ms": float(np.median(times) * 1000), "runs": runs, "dtype": str(image.dtype)}
print(json.dumps(report))
