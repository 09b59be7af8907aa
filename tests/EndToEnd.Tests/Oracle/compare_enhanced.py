"""Reads a multi-slice record's Enhanced MR download with pydicom and compares each frame with numpy's reconstruction.

compare_enhanced.py KSPACE.npy DICOM prints one JSON object: what pydicom read (SOP class, frames, size), and per
frame the correlation with numpy's root-sum-of-squares image and the largest difference of the real values (stored ×
slope + intercept, from the shared Pixel Value Transformation) relative to the image's maximum.
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
d = pydicom.dcmread(sys.argv[2])
transform = d.SharedFunctionalGroupsSequence[0].PixelValueTransformationSequence[0]
pixels = d.pixel_array.reshape(int(d.NumberOfFrames), int(d.Rows), int(d.Columns))
real = pixels * float(transform.RescaleSlope) + float(transform.RescaleIntercept)
positions = [float(f.PlanePositionSequence[0].ImagePositionPatient[2]) for f in d.PerFrameFunctionalGroupsSequence]
print(json.dumps({
    "sop_class": str(d.SOPClassUID),
    "frames": int(d.NumberOfFrames),
    "rows": int(d.Rows),
    "columns": int(d.Columns),
    "positions": positions,
    "correlations": [float(np.corrcoef(real[i].ravel(), reference[i].ravel())[0, 1]) for i in range(len(reference))],
    "max_relative_difference": float(np.max(np.abs(real - reference)) / np.max(reference)),
}))
