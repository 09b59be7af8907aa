#!/usr/bin/python3
"""Writes the serving benchmark's files with pydicom: MR slices of about 0.5 MB and one ~100 MB multi-frame instance."""
import os
import sys

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

out, count = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(1)
study, series = generate_uid(), generate_uid()


def write(path, rows, cols, frames, sop_class):
    ds = Dataset()
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, generate_uid()
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
    ds.PatientName, ds.PatientID, ds.Modality = "Bench^Serving", "BENCH", "MR"
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = rows, cols, 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.PixelData = rng.integers(0, 4096, (frames, rows, cols), dtype=np.uint16).tobytes()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta, ds.preamble = meta, b"\0" * 128
    ds.is_little_endian, ds.is_implicit_VR = True, False
    pydicom.dcmwrite(path, ds, write_like_original=False)


for i in range(count):
    write(os.path.join(out, f"mr-{i:03d}.dcm"), 512, 512, 1, "1.2.840.10008.5.1.4.1.1.4")
write(os.path.join(out, "multiframe.dcm"), 512, 512, 200, "1.2.840.10008.5.1.4.1.1.7.3")
