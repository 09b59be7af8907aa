"""Writes phantom k-space as numpy does: kspace.py OUT.npy SHAPE(comma-separated) [complex64|complex128] [nan]."""
import sys

import numpy as np

out, shape = sys.argv[1], tuple(int(n) for n in sys.argv[2].split(","))
dtype = np.dtype(sys.argv[3] if len(sys.argv) > 3 else "complex64")
*lead, rows, columns = shape
y, x = np.mgrid[-1:1:rows * 1j, -1:1:columns * 1j]
image = (x ** 2 / 0.5 + y ** 2 / 0.8 <= 1) * 1.0 - (x ** 2 / 0.1 + (y - 0.2) ** 2 / 0.2 <= 1) * 0.5
coils = int(np.prod(lead)) if lead else 1
rng = np.random.default_rng(rows * columns + coils)
data = np.stack([np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(image * np.exp(2j * np.pi * c / coils) * (1 + 0.1 * rng.standard_normal())))) for c in range(coils)])
data = data.reshape(shape).astype(dtype)
if len(sys.argv) > 4 and sys.argv[4] == "nan":
    data.flat[len(data.flat) // 2] = np.nan
np.save(out, data)
