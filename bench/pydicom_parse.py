#!/usr/bin/python3
"""pydicom's side of bench/dicom-parse.sh: reads the same files as the .NET benchmark, to the pixel data and whole.
Prints JSON: per modality and mode, seconds per pass (median of the rounds), files, bytes."""
import glob
import json
import os
import statistics
import sys
import time

import pydicom

folder, rounds = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 15
out = {}
for modality in ("MR", "CT"):
    files = sorted(glob.glob(os.path.join(folder, f"{modality.lower()}-*.dcm")))
    size = sum(os.path.getsize(f) for f in files)
    for mode in ("ParseToIndex", "FullParseDeferred", "FullParse"):
        times = []
        for _ in range(rounds + 2):
            start = time.perf_counter()
            for f in files:
                if mode == "ParseToIndex":
                    ds = pydicom.dcmread(f, stop_before_pixels=True)
                    _ = (ds.SOPInstanceUID, ds.SeriesInstanceUID, ds.StudyInstanceUID)
                elif mode == "FullParseDeferred":
                    ds = pydicom.dcmread(f, defer_size=64 * 1024)
                    _ = len(ds)
                else:
                    ds = pydicom.dcmread(f)
                    _ = len(ds.PixelData)
            times.append(time.perf_counter() - start)
        out[f"{modality}/{mode}"] = {"seconds": statistics.median(times[2:]), "files": len(files), "bytes": size}
print(json.dumps(out))
