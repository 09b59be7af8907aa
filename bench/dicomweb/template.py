#!/usr/bin/python3
"""Writes the STOW benchmark's template instance: a 256×256 16-bit CT slice (pydicom) whose study, series and SOP
instance UIDs are fixed-length placeholders that the wrk script replaces per request, so every request stores a new
instance (50 per series, one series per study). Usage: template.py <out.dcm>"""
import sys

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

# Placeholders of 26 characters; the Lua script and run.py write the real UIDs with the same length.
STUDY, SERIES, SOP = "2.25.7" + "0" * 20, "2.25.8" + "0" * 20, "2.25.9" + "0" * 20

ds = Dataset()
meta = FileMetaDataset()
meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
meta.MediaStorageSOPInstanceUID = SOP
meta.TransferSyntaxUID = ExplicitVRLittleEndian
ds.file_meta = meta
ds.is_little_endian, ds.is_implicit_VR = True, False
ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, SOP
ds.StudyInstanceUID, ds.SeriesInstanceUID = STUDY, SERIES
ds.Modality, ds.PatientID, ds.PatientName, ds.AccessionNumber = "CT", "BENCH", "Bench^Patient", "ACC-BENCH"
ds.StudyDate, ds.StudyTime, ds.StudyDescription, ds.SeriesDescription = "20261123", "120000", "DICOMweb benchmark", "Axial"
ds.SeriesNumber, ds.InstanceNumber = 1, 1
ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = 256, 256, 1, "MONOCHROME2"
ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
ds.RescaleIntercept, ds.RescaleSlope = 0, 1
ds.PixelData = np.random.default_rng(1).integers(-1000, 1500, (256, 256), dtype=np.int16).tobytes()
ds.save_as(sys.argv[1], write_like_original=False)
