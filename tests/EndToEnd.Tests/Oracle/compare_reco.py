"""Reads the worker's DICOM with pydicom and compares it with numpy's reconstruction of the same k-space.

compare_reco.py KSPACE.npy DICOM... prints one JSON object: what pydicom read, and the largest difference between
the DICOM's real values (stored × slope + intercept) and numpy's image, relative to the image's maximum.
"""
import json
import sys

import numpy as np
import pydicom

k = np.load(sys.argv[1]).astype(np.complex128)
*lead, rows, columns = k.shape
k = k.reshape((-1 if len(lead) == 2 else 1), (lead[-1] if lead else 1), rows, columns)
images = np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(k, axes=(-2, -1)), axes=(-2, -1)), axes=(-2, -1))
reference = np.sqrt(np.sum(np.abs(images) ** 2, axis=1))
datasets = [pydicom.dcmread(path) for path in sys.argv[2:]]
real = np.stack([d.pixel_array * float(d.RescaleSlope) + float(d.RescaleIntercept) for d in datasets])
first = datasets[0]
print(json.dumps({
    "sop_class": str(first.SOPClassUID),
    "modality": first.Modality,
    "rows": int(first.Rows),
    "columns": int(first.Columns),
    "instances": len(datasets),
    "series_uids": len({str(d.SeriesInstanceUID) for d in datasets}),
    "slope": float(first.RescaleSlope),
    "max_relative_difference": float(np.max(np.abs(real - reference)) / np.max(reference)),
}))
