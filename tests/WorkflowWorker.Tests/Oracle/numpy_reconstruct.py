"""Writes k-space cases with numpy and numpy's own reconstruction of each, for the worker's tests to compare against.

For each case: {name}.npy holds the k-space (dtype and memory order as given) and {name}.reference.npy holds
numpy's image, root-sum-of-squares over coils of |fftshift(ifft2(ifftshift(k)))|, in float64. The reference is
stored as complex128 with zero imaginary part so the worker's own .npy reader (complex only) can read it.
"""
import sys

import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(20261123)


def phantom(rows, columns):
    y, x = np.mgrid[-1:1:rows * 1j, -1:1:columns * 1j]
    image = np.zeros((rows, columns))
    for (cx, cy, a, b, value) in [(0, 0, 0.69, 0.92, 1.0), (0, -0.018, 0.66, 0.87, -0.8), (0.22, 0, 0.11, 0.31, -0.2),
                                  (-0.22, 0, 0.16, 0.41, -0.2), (0, 0.35, 0.21, 0.25, 0.1), (0, 0.1, 0.046, 0.046, 0.1)]:
        image[((x - cx) / a) ** 2 + ((y - cy) / b) ** 2 <= 1] += value
    return image


def kspace(shape):
    *lead, rows, columns = shape
    image = phantom(rows, columns)
    coils = int(np.prod(lead)) if lead else 1
    # Smooth complex coil sensitivities, so each coil sees the phantom differently.
    y, x = np.mgrid[0:rows, 0:columns]
    data = np.empty((coils, rows, columns), dtype=np.complex128)
    for c in range(coils):
        angle = 2 * np.pi * c / max(coils, 1)
        sensitivity = np.exp(-((x - columns / 2 * (1 + 0.5 * np.cos(angle))) ** 2 + (y - rows / 2 * (1 + 0.5 * np.sin(angle))) ** 2) / (rows * columns / 2))
        coil_image = image * sensitivity * np.exp(1j * angle) + 0.01 * (rng.standard_normal((rows, columns)) + 1j * rng.standard_normal((rows, columns)))
        data[c] = np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(coil_image)))
    return data.reshape(shape)


def reconstruct(k):
    k = np.asarray(k, dtype=np.complex128)
    *lead, rows, columns = k.shape
    if len(lead) == 0:
        k = k.reshape(1, 1, rows, columns)
    elif len(lead) == 1:
        k = k.reshape(1, lead[0], rows, columns)
    images = np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(k, axes=(-2, -1)), axes=(-2, -1)), axes=(-2, -1))
    rss = np.sqrt(np.sum(np.abs(images) ** 2, axis=1))
    return rss if len(lead) == 2 else rss[0]


cases = {
    "single_c8_C": ((64, 64), np.complex64, "C"),
    "coils_c16_C": ((4, 96, 80), np.complex128, "C"),
    "coils_c8_F": ((3, 60, 50), np.complex64, "F"),
    "odd_c16_C": ((2, 45, 37), np.complex128, "C"),
    "slices_c8_C": ((2, 3, 32, 48), np.complex64, "C"),
    "large_c8_C": ((8, 256, 256), np.complex64, "C"),
}
for name, (shape, dtype, order) in cases.items():
    k = kspace(shape).astype(dtype)
    k = np.asfortranarray(k) if order == "F" else np.ascontiguousarray(k)
    np.save(f"{out}/{name}.npy", k)
    np.save(f"{out}/{name}.reference.npy", reconstruct(k).astype(np.complex128))
print(" ".join(cases))
