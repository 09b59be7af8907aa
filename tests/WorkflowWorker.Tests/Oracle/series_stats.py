#!/usr/bin/python3
"""Oracle for the series analysis, independent of the C# code.

  series_stats.py write <folder>    writes test series with pydicom (CT signed and 12-bit unsigned with MONOCHROME1,
                                    MR 16-bit and big-endian 12-bit with a high bit of 11, an RGB image), prints nothing
  series_stats.py stats <file>...   reads each file with pydicom, applies the modality LUT, masks Pixel Padding Value,
                                    and prints per frame the statistics as the analysis defines them (JSON)
  series_stats.py render <c> <w> <file>   prints the LINEAR VOI window (PS3.3 C.11.2.1.2.1) of each frame, 0-255, as JSON lists
"""
import json
import sys

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.pixel_data_handlers.util import apply_modality_lut
from pydicom.uid import ExplicitVRLittleEndian, ExplicitVRBigEndian, generate_uid

RAYLEIGH = 0.655


def write(folder):
    rng = np.random.default_rng(20261123)
    rows, cols = 48, 64

    def base(modality, number, series_uid, study_uid, big_endian=False):
        ds = Dataset()
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2" if modality == "CT" else "1.2.840.10008.5.1.4.1.1.4"
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRBigEndian if big_endian else ExplicitVRLittleEndian
        ds.file_meta = meta
        ds.is_little_endian = not big_endian
        ds.is_implicit_VR = False
        ds.SOPClassUID = meta.MediaStorageSOPClassUID
        ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
        ds.Modality = modality
        ds.PatientID = "ORACLE"
        ds.StudyInstanceUID = study_uid
        ds.SeriesInstanceUID = series_uid
        ds.InstanceNumber = number
        ds.Rows, ds.Columns = rows, cols
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        return ds

    yy, xx = np.mgrid[0:rows, 0:cols]
    body = ((yy - rows / 2) / (rows * 0.4)) ** 2 + ((xx - cols / 2) / (cols * 0.4)) ** 2 <= 1
    study = generate_uid()

    # CT, signed 16-bit, HU stored directly, padding outside a circle; body soft tissue with fat and bone inside.
    series = generate_uid()
    for n in range(4):
        hu = np.full((rows, cols), -1000.0) + rng.normal(0, 5, (rows, cols))
        hu[body] = 40 + rng.normal(0, 8 + 4 * n, body.sum())
        hu[(yy - rows / 2) ** 2 + (xx - cols / 4) ** 2 < 30] = 700 + 10 * n
        hu[:6, :10] = -80
        stored = np.round(hu).astype(np.int16)
        outside = ((yy - rows / 2) ** 2 + (xx - cols / 2) ** 2) > (cols * 0.55) ** 2
        stored[outside] = -2000
        ds = base("CT", n + 1, series, study)
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = 0, 1, "HU"
        ds.PixelPaddingValue = -2000
        ds.PixelData = stored.tobytes()
        ds.save_as(f"{folder}/ct-signed-{n + 1}.dcm", write_like_original=False)

    # CT, 12 bits stored unsigned with intercept -1024, MONOCHROME1, two frames in one instance.
    series = generate_uid()
    frames = []
    for n in range(2):
        hu = np.full((rows, cols), -1000.0) + rng.normal(0, 3, (rows, cols))
        hu[body] = 60 + rng.normal(0, 12, body.sum())
        frames.append(np.clip(np.round(hu + 1024), 0, 4095).astype(np.uint16))
    ds = base("CT", 1, series, study)
    ds.PhotometricInterpretation = "MONOCHROME1"
    ds.NumberOfFrames = 2
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
    ds.PixelData = np.stack(frames).tobytes()
    ds.save_as(f"{folder}/ct-mono1-multiframe.dcm", write_like_original=False)

    # MR magnitude: signal in the body, Rayleigh background (magnitude of complex Gaussian noise), slope 0.5.
    series = generate_uid()
    for n in range(3):
        sigma = 6.0
        signal = np.where(body, 400.0 + 50 * n, 0.0)
        magnitude = np.abs(signal + rng.normal(0, sigma, (rows, cols)) + 1j * rng.normal(0, sigma, (rows, cols)))
        ds = base("MR", n + 1, series, study)
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
        ds.RescaleIntercept, ds.RescaleSlope = 0, 0.5
        ds.PixelData = np.round(magnitude * 2).astype(np.uint16).tobytes()
        ds.save_as(f"{folder}/mr-{n + 1}.dcm", write_like_original=False)

    # MR, explicit VR big endian, 12 bits stored at high bit 11 with junk in the 4 bits above (they are not the value).
    ds = base("MR", 1, generate_uid(), study, big_endian=True)
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    values = np.round(np.where(body, 1500.0, 20.0) + rng.normal(0, 15, (rows, cols))).clip(0, 4095).astype(np.uint16)
    junk = rng.integers(0, 16, (rows, cols), dtype=np.uint16) << 12
    ds.PixelData = (values | junk).astype(">u2").tobytes()
    ds.save_as(f"{folder}/mr-bigendian-12bit.dcm", write_like_original=False)

    # Colour: not analysed.
    ds = base("MR", 1, generate_uid(), study)
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "RGB", 0
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = rng.integers(0, 256, rows * cols * 3, dtype=np.uint8).tobytes()
    ds.save_as(f"{folder}/rgb.dcm", write_like_original=False)


def frames_of(path):
    ds = pydicom.dcmread(path)
    pixels = ds.pixel_array
    if ds.PixelRepresentation == 0 and ds.BitsStored < ds.BitsAllocated:
        # PS3.5 8.1.1: only Bits Stored, ending at High Bit, are the value; pydicom 2.3 leaves the bits above in place.
        pixels = (pixels >> (ds.HighBit + 1 - ds.BitsStored)) & ((1 << ds.BitsStored) - 1)
    frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
    pixels = pixels.reshape((frames, ds.Rows, ds.Columns))
    values = apply_modality_lut(pixels, ds).astype(np.float64)
    if "PixelPaddingValue" in ds:
        values[pixels == ds.PixelPaddingValue] = np.nan
    return ds, values


def region(image, top, left, height, width):
    block = image[top:top + height, left:left + width]
    return block[np.isfinite(block)]


def stats(paths):
    out = []
    pooled = []
    for path in paths:
        ds, frames = frames_of(path)
        pooled.append(frames[np.isfinite(frames)])
        ct = ds.Modality == "CT"
        for f, image in enumerate(frames):
            rows, cols = image.shape
            valid = image[np.isfinite(image)]
            smaller = min(rows, cols)
            corner, centre = max(2, smaller // 8), max(2, smaller // 4)
            c = region(image, (rows - centre) // 2, (cols - centre) // 2, centre, centre)
            bg = np.concatenate([region(image, 0, 0, corner, corner), region(image, 0, cols - corner, corner, corner),
                                 region(image, rows - corner, 0, corner, corner), region(image, rows - corner, cols - corner, corner, corner)])
            if ct:
                noise = float(c.std()) if c.size > 1 else None
                snr = (float(c.mean()) + 1000) / noise if noise else None
                n = valid.size
                bands = {"air": float((valid < -900).sum() / n), "fat": float(((valid >= -150) & (valid <= -30)).sum() / n),
                         "soft_tissue": float(((valid > -30) & (valid <= 100)).sum() / n), "bone": float((valid >= 300).sum() / n)}
            else:
                sd = float(bg.std()) if bg.size > 1 else 0.0
                noise = sd / RAYLEIGH if bg.size > 1 else None
                snr = RAYLEIGH * float(c.mean()) / sd if sd > 0 else None
                bands = None
            out.append({"file": path.split("/")[-1], "frame": f + 1, "pixels": int(valid.size), "mean": float(valid.mean()),
                        "std": float(valid.std()), "min": float(valid.min()), "max": float(valid.max()), "centre_mean": float(c.mean()),
                        "noise": noise, "snr": snr, "bands": bands})
    everything = np.concatenate(pooled)
    print(json.dumps({"frames": out, "series": {"pixels": int(everything.size), "mean": float(everything.mean()), "std": float(everything.std()),
                                                "min": float(everything.min()), "max": float(everything.max())}}))


def render(center, width, path):
    ds, frames = frames_of(path)
    width = max(width, 2)
    out = []
    for image in frames:
        y = ((image - (center - 0.5)) / (width - 1) + 0.5) * 255
        y = np.where(image <= center - 0.5 - (width - 1) / 2, 0, np.where(image > center - 0.5 + (width - 1) / 2, 255, y))
        y = np.floor(np.clip(np.nan_to_num(y, nan=0.0), 0, 255) + 0.5)
        if ds.PhotometricInterpretation == "MONOCHROME1":
            y = np.where(np.isfinite(image), 255 - y, 0)
        out.append(y.astype(int).ravel().tolist())
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2])
    elif sys.argv[1] == "stats":
        stats(sys.argv[2:])
    else:
        render(float(sys.argv[2]), float(sys.argv[3]), sys.argv[4])
