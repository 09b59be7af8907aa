#!/usr/bin/python3
"""The viewer benchmark: the app host (Release) with its real servers, a 300-slice CT stored by STOW-RS, and Debian's
chromium opening it in the viewer (measure.mjs). Writes docs/benchmarks/viewer.md (BENCH_NO_REPORT=1: not written)."""
import datetime
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import urllib.request
import uuid

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import apphost as app_host  # noqa: E402

ROOT = app_host.ROOT
SLICES = int(os.environ.get("BENCH_SLICES", "300"))


def ct_slice(study, series, number):
    """A 512×512 CT slice: a body of soft tissue with lungs, noise, stored with the usual rescale (-1024)."""
    y, x = np.mgrid[0:512, 0:512]
    hu = np.full((512, 512), -1000.0)
    hu[((x - 256) / 220) ** 2 + ((y - 256) / 160) ** 2 < 1] = 40
    for cx in (170, 342):
        hu[((x - cx) / 70) ** 2 + ((y - 250) / 110) ** 2 < 1] = -850
    hu += np.random.default_rng(number).normal(0, 15, hu.shape)
    ds = Dataset()
    ds.SOPClassUID, ds.SOPInstanceUID = "1.2.840.10008.5.1.4.1.1.2", generate_uid()
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
    ds.PatientName, ds.PatientID, ds.Modality = "Bench^Viewer", "BENCH-VIEWER", "CT"
    ds.InstanceNumber, ds.SeriesNumber = number, 1
    ds.ImagePositionPatient, ds.ImageOrientationPatient = [0, 0, number * 1.0], [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing, ds.SliceThickness = [0.7, 0.7], 1.0
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = 512, 512, 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
    ds.PixelData = np.clip(hu + 1024, 0, 65535).astype(np.uint16).tobytes()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta, ds.preamble = meta, b"\0" * 128
    ds.is_little_endian, ds.is_implicit_VR = True, False
    out = io.BytesIO()
    pydicom.dcmwrite(out, ds, write_like_original=False)
    return out.getvalue()


def stow(base, token, instances):
    boundary = uuid.uuid4().hex
    body = b"".join(b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + i + b"\r\n" for i in instances)
    body += b"--" + boundary.encode() + b"--\r\n"
    request = urllib.request.Request(base + "/dicom-web/studies", data=body, method="POST", headers={
        "Authorization": f"Bearer {token}", "Accept": "application/dicom+json",
        "Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}'})
    with urllib.request.urlopen(request, timeout=300) as answer:
        answer.read()


def main():
    work = tempfile.mkdtemp(prefix="bench-viewer-")
    os.chmod(work, 0o755)  # PostgreSQL runs as its own user and must reach its folder.
    apphost, _, state, password = app_host.start(work, "--AppHost:AnalyseStableSeries=false")
    try:
        base, token = app_host.login(state, password)
        study, series = generate_uid(), generate_uid()
        for start in range(1, SLICES + 1, 20):
            stow(base, token, [ct_slice(study, series, n) for n in range(start, min(start + 20, SLICES + 1))])
        out = subprocess.run(["node", os.path.join(ROOT, "bench/viewer/measure.mjs"), base, password, study, str(SLICES)],
                             capture_output=True, text=True, check=True).stdout
        figures = json.loads(out.strip().splitlines()[-1])
    finally:
        app_host.stop(apphost)

    print(json.dumps(figures, indent=1))
    lines = ["# The viewer in a browser: first image and scrolling", "",
             f"Measured by `bench/viewer.sh` on {datetime.date.today()}, {os.cpu_count()}-core machine ({platform.machine()}), everything on loopback. "
             f"ResultsApi (Release, started by the app host with its real PostgreSQL, Redis, RabbitMQ and telemetry) holds a CT series of {SLICES} "
             "slices of 512×512, 16-bit, uncompressed (written by pydicom, stored by STOW-RS). Debian's chromium, driven by playwright-core, "
             "opens the study from its link, logs in, and clicks the series.", "",
             "- **First image:** from the click on the series to the status \"Image 1 of N\". The status is set once Cornerstone3D "
             "has drawn the image. This includes the engine's first load in the page (7.7 MB of JavaScript, the codecs' "
             "WebAssembly, the decoding worker), the series' WADO-RS metadata and the first frame.",
             "- **Scrolling:** each press of the down arrow, to the status naming the next image, through the whole series. The "
             "stack is prefetched from the first image on.", "",
             "| figure | value |", "| --- | ---: |",
             f"| first image of {SLICES} after the click | {figures['first_image_ms']:,.0f} ms |",
             f"| scroll step, mean | {figures['scroll_mean_ms']:.1f} ms |",
             f"| scroll step, median | {figures['scroll_p50_ms']:.1f} ms |",
             f"| scroll step, 95th percentile | {figures['scroll_p95_ms']:.1f} ms |",
             f"| scroll step, slowest | {figures['scroll_max_ms']:.1f} ms |",
             f"| whole series by arrow key | {figures['scroll_total_s']:.1f} s |", "",
             "The aim of #27 is the first image of a 300-slice CT in under 2 s on this machine, and scrolling without waiting: "
             f"the first image is {'within' if figures['first_image_ms'] < 2000 else 'over'} it; half the scroll steps take at most "
             f"{figures['scroll_p50_ms']:.0f} ms, and the slowest ones are images the prefetch had not reached yet."]
    if not os.environ.get("BENCH_NO_REPORT"):
        open(os.path.join(ROOT, "docs/benchmarks/viewer.md"), "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
