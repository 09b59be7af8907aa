#!/usr/bin/python3
"""Writes test files with pydicom (an implementation no one here wrote) into the folder given as argument."""
import os
import sys

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import (ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian,
                         DeflatedExplicitVRLittleEndian, generate_uid)

out = sys.argv[1]


def base(sop_class="1.2.840.10008.5.1.4.1.1.7"):
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = generate_uid()
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.PatientName = "Müller^Anna^^Dr"
    ds.PatientID = "PAT-001"
    ds.StudyDate = "20260101"
    ds.StudyTime = "101010.123"
    ds.Modality = "OT"
    ds.AccessionNumber = "ACC12345"
    ds.StudyDescription = "Brain \\ spine"
    ds.SeriesNumber = 3
    ds.InstanceNumber = "7"
    ds.SliceThickness = "1.25"
    ds.ImagePositionPatient = [-12.5, 0.0, 3.75]
    ds.WindowCenter = ["40", "400"]
    ds.add_new(0x00291010, "OB", b"\x01\x02\x03")           # odd length: pydicom pads on write
    ds.add_new(0x00290010, "LO", "ACME PRIVATE")
    ds.add_new(0x00291011, "US", [1, 65535])
    ds.add_new(0x00291012, "SS", [-2, 300])
    ds.add_new(0x00291013, "FL", [1.5, -0.25])
    ds.add_new(0x00291014, "FD", [3.141592653589793])
    ds.add_new(0x00291015, "AT", [0x00100010, 0x7FE00010])
    ds.add_new(0x00291016, "UL", [4000000000])
    ds.add_new(0x00291017, "SL", [-100000])
    ds.add_new(0x00291018, "UT", "long text\r\nwith lines")
    item = Dataset()
    item.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.4"
    item.ReferencedSOPInstanceUID = generate_uid()
    inner = Dataset()
    inner.CodeValue = "T-A0100"
    inner.CodingSchemeDesignator = "SRT"
    inner.CodeMeaning = "Brain"
    item.PurposeOfReferenceCodeSequence = Sequence([inner])
    ds.ReferencedImageSequence = Sequence([item, Dataset()])
    ds.Rows = 4
    ds.Columns = 3
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.PixelData = np.arange(12, dtype=np.uint16).reshape(4, 3).tobytes()
    return ds


def save(ds, name, syntax, undefined_sequences=True, part10=True):
    ds.is_little_endian = syntax != ExplicitVRBigEndian
    ds.is_implicit_VR = syntax == ImplicitVRLittleEndian
    for elem in ds.iterall():
        if elem.VR == "SQ":
            elem.is_undefined_length = undefined_sequences
            for child in elem.value:
                child.is_undefined_length_sequence_item = undefined_sequences
    if part10:
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = ds.SOPClassUID
        meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        meta.TransferSyntaxUID = syntax
        meta.ImplementationClassUID = "1.2.826.0.1.3680043.8.498.1"
        ds.file_meta = meta
        ds.preamble = b"\0" * 128
        pydicom.dcmwrite(os.path.join(out, name), ds, write_like_original=False)
    else:
        pydicom.dcmwrite(os.path.join(out, name), ds, write_like_original=True)


save(base(), "pydicom-explicit-le-undefined-sq.dcm", ExplicitVRLittleEndian)
save(base(), "pydicom-explicit-le-defined-sq.dcm", ExplicitVRLittleEndian, undefined_sequences=False)
save(base(), "pydicom-implicit-le.dcm", ImplicitVRLittleEndian)
save(base(), "pydicom-implicit-le-defined-sq.dcm", ImplicitVRLittleEndian, undefined_sequences=False)
save(base(), "pydicom-big-endian.dcm", ExplicitVRBigEndian)
save(base(), "pydicom-deflated.dcm", DeflatedExplicitVRLittleEndian)
save(base(), "pydicom-raw-implicit.raw", ImplicitVRLittleEndian, part10=False)
save(base(), "pydicom-raw-explicit.raw", ExplicitVRLittleEndian, part10=False)

multi = base("1.2.840.10008.5.1.4.1.1.7.3")
multi.NumberOfFrames = 5
multi.Rows, multi.Columns = 16, 8
multi.PixelData = np.random.default_rng(7).integers(0, 4096, (5, 16, 8), dtype=np.uint16).tobytes()
save(multi, "pydicom-multiframe.dcm", ExplicitVRLittleEndian)

nested = base()
level = nested
for depth in range(6):
    child = Dataset()
    child.CodeMeaning = f"level {depth}"
    level.ContentSequence = Sequence([child])
    level = child
save(nested, "pydicom-nested.dcm", ExplicitVRLittleEndian)
