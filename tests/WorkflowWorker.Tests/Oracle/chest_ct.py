#!/usr/bin/python3
"""Writes a CT series with pydicom (a DICOM writer other than ours) from a volume of Hounsfield units given as raw
little-endian float32, slice after slice: one CT Image Storage instance per slice, axial, 16-bit unsigned with Rescale
Intercept -1024, Body Part Examined CHEST. The files are numbered in a shuffled order, so a reader must sort them by
position. A variant spoils the series the way a sender might:
  localizer       - the middle slice says LOCALIZER in Image Type
  mixed           - the middle slice is tilted (another Image Orientation)
  no-rescale      - the middle slice has no Rescale Intercept
  compressed      - (not written here: the C# test sends that one)
Usage: chest_ct.py RAW COLUMNS ROWS SLICES PIXEL_MM SLICE_MM FOLDER [VARIANT]"""
import random
import sys

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

raw, columns, rows, slices, pixel, spacing, folder = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), sys.argv[7]
variant = sys.argv[8] if len(sys.argv) > 8 else ""
volume = np.fromfile(raw, dtype="<f4").reshape(slices, rows, columns)
study, series, frame = generate_uid(), generate_uid(), generate_uid()
order = list(range(slices))
random.Random(7).shuffle(order)
for number, s in enumerate(order):
    ds = Dataset()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = "Phantom^Chest", "QCT-PHANTOM", "19600101", "O"
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
    ds.StudyDate, ds.StudyTime, ds.AccessionNumber, ds.StudyID = "20261207", "120000", "QCT-ACC-1", "1"
    ds.ReferringPhysicianName = ""
    ds.Modality, ds.SeriesNumber, ds.InstanceNumber = "CT", 3, s + 1
    ds.BodyPartExamined, ds.SeriesDescription = "CHEST", "Chest CT phantom"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "LOCALIZER" if variant == "localizer" and s == slices // 2 else "AXIAL"]
    ds.PositionReferenceIndicator = ""
    ds.PatientPosition = "FFS"
    ds.ImageOrientationPatient = [1, 0, 0, 0, 0.8, 0.6] if variant == "mixed" and s == slices // 2 else [1, 0, 0, 0, 1, 0]
    ds.ImagePositionPatient = [-(columns - 1) * pixel / 2, -(rows - 1) * pixel / 2, (s + 0.5) * spacing]
    ds.PixelSpacing = [pixel, pixel]
    ds.SliceThickness = spacing
    ds.KVP = 120
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows, ds.Columns = rows, columns
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    if not (variant == "no-rescale" and s == slices // 2):
        ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
    ds.RescaleType = "HU"
    stored = np.clip(np.rint(volume[s] + 1024), 0, 4095).astype("<u2")
    ds.PixelData = stored.tobytes()
    ds.save_as(f"{folder}/ct-{number + 1:04d}.dcm", write_like_original=False)
