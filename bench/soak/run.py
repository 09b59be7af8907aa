"""A bounded soak: the whole application through the app host under mixed traffic for SOAK_SECONDS (default 600) from wrk
on loopback (DICOM downloads with a Range, exam lists, result-file uploads, STOW-RS), plus a reconstruction every 5 s.
Each service's resident memory, open file descriptors and threads are read from /proc after a one-minute warm-up under
the same traffic and again at the end; the run fails when any grows past the bounds below. Writes docs/reliability.md's
soak section to artifacts/reliability/soak.md."""
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid

import numpy as np
import pydicom
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import apphost as app_host  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
WARMUP = 60
SERVICES = ["resultsapi", "workflowworker", "imagingimport"]
# The bounds: memory may settle upwards a little after warm-up (caches, pools, the GC's budget), handles not.
MAX_RSS_GROWTH = 0.25       # fraction of the warm resident memory
MAX_RSS_GROWTH_MIB = 64     # or this much, whichever is larger
MAX_FD_GROWTH = 25
MAX_THREAD_GROWTH = 25


def request(method, url, data=None, headers=None):
    with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers or {}, method=method), timeout=60) as r:
        body = r.read()
        return json.loads(body) if body else None


def process_figures(pid):
    status = open(f"/proc/{pid}/status").read()
    rss = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) // 1024
    threads = int(re.search(r"Threads:\s+(\d+)", status).group(1))
    return {"rss_mib": rss, "fds": len(os.listdir(f"/proc/{pid}/fd")), "threads": threads}


def snapshot(state):
    return {r["name"]: process_figures(r["pids"][0]) for r in state["resources"] if r["name"] in SERVICES and r["pids"]}


def stow_instance():
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.PatientID, ds.PatientName, ds.Modality, ds.AccessionNumber = "P-SOAK", "Soak^Test", "OT", "ACC-SOAK"
    ds.Rows = ds.Columns = 64
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit, ds.PixelRepresentation = 7, 0
    ds.PixelData = bytes(range(256)) * 16
    ds.is_little_endian, ds.is_implicit_VR = True, False  # Debian 12's pydicom 2.3 asks for these
    buffer = io.BytesIO()
    ds.save_as(buffer, write_like_original=False)
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n").encode() + buffer.getvalue() + f"\r\n--{boundary}--\r\n".encode()
    return body, f'multipart/related; type="application/dicom"; boundary={boundary}'


def main():
    work = tempfile.mkdtemp(prefix="soak-")
    os.chmod(work, 0o755)  # PostgreSQL runs as its own user and must reach its folder.
    apphost, _, state, password = app_host.start(work)
    stop = threading.Event()
    try:
        base, token = app_host.login(state, password)
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        post = lambda path, body: request("POST", base + path, json.dumps(body).encode(), auth)["id"]
        exam = post("/api/v1/exam/new", {"name": "soak", "patient_id": "P-SOAK"})
        workflow = post("/api/v1/exam/workflow/new", {"exam_id": exam, "name": "soak"})

        kspace = io.BytesIO()
        rng = np.random.default_rng(1)
        np.save(kspace, (rng.standard_normal((2, 64, 64)) + 1j * rng.standard_normal((2, 64, 64))).astype(np.complex64))
        boundary = uuid.uuid4().hex
        form = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"kspace.npy\"\r\n"
                "Content-Type: application/octet-stream\r\n\r\n").encode() + kspace.getvalue() + f"\r\n--{boundary}--\r\n".encode()
        form_headers = {"Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"}

        def reconstruct():
            task = post("/api/v1/exam/task/new", {"workflow_id": workflow, "name": "soak"})
            record = post("/api/v1/workflow/record", {"task_id": task})
            request("POST", f"{base}/api/v1/workflow/upload/{record}/", form, form_headers)
            return task, record

        # The DICOM the downloads read, and the result the uploads replace a file of.
        task, record = reconstruct()
        for _ in range(300):
            if request("GET", f"{base}/api/v1/workflow/record/{record}", headers=auth)["status"] == "FINISHED":
                break
            time.sleep(0.2)
        result = request("POST", f"{base}/api/v1/exam/result?task_id={task}", b"", auth)["id"]

        soak = os.path.join(work, "wrk")
        os.makedirs(soak)
        open(os.path.join(soak, "token"), "w").write(token)
        open(os.path.join(soak, "paths"), "w").write("\n".join([
            f"/api/v1/workflow/download/{record}/", "/api/v1/exam/all?limit=20", f"/api/v1/exam/result/{result}/files/soak.bin", "/dicom-web/studies"]) + "\n")
        open(os.path.join(soak, "upload.bin"), "wb").write(os.urandom(64 << 10))
        stow, stow_type = stow_instance()
        open(os.path.join(soak, "stow.bin"), "wb").write(stow)
        open(os.path.join(soak, "stow.type"), "w").write(stow_type)

        jobs = {"made": 0, "finished": 0}

        def reconstructions():
            records = []
            while not stop.wait(5):
                records.append(reconstruct()[1])
                jobs["made"] += 1
            time.sleep(30)
            jobs["finished"] = sum(1 for r in records if request("GET", f"{base}/api/v1/workflow/record/{r}", headers=auth)["status"] == "FINISHED")

        background = threading.Thread(target=reconstructions)
        background.start()
        env = dict(os.environ, SOAK_DIR=soak)
        wrk = subprocess.Popen(["wrk", "-t2", "-c8", f"-d{SECONDS + WARMUP}s", "--latency", "-s", os.path.join(ROOT, "bench/soak/mixed.lua"), base],
                               stdout=subprocess.PIPE, text=True, env=env)
        time.sleep(WARMUP)
        warm = snapshot(state)
        samples = [(0, warm)]
        for minute in range(1, SECONDS // 60 + 1):
            time.sleep(60)
            samples.append((minute, snapshot(state)))
        output = wrk.communicate(timeout=120)[0]
        stop.set()
        background.join()
        end = samples[-1][1]
    finally:
        stop.set()
        if apphost.poll() is None:
            os.killpg(apphost.pid, signal.SIGTERM)
            apphost.wait(60)

    requests = int(re.search(r"(\d+) requests in", output).group(1))
    non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", output)) else 0
    errors = re.search(r"Socket errors: (.*)", output)
    p50 = float(re.search(r"latency_p50_ms ([\d.]+)", output).group(1))
    p99 = float(re.search(r"latency_p99_ms ([\d.]+)", output).group(1))
    failures = []
    rows = []
    for service in SERVICES:
        before, after = warm[service], end[service]
        rss_bound = max(before["rss_mib"] * MAX_RSS_GROWTH, MAX_RSS_GROWTH_MIB)
        for key, bound in (("rss_mib", rss_bound), ("fds", MAX_FD_GROWTH), ("threads", MAX_THREAD_GROWTH)):
            if after[key] - before[key] > bound:
                failures.append(f"{service} {key} grew from {before[key]} to {after[key]} (bound +{bound:.0f})")
        trend = " → ".join(str(s[1][service]["rss_mib"]) for s in samples)
        rows.append(f"| {service} | {before['rss_mib']} → {after['rss_mib']} | {before['fds']} → {after['fds']} | {before['threads']} → {after['threads']} | {trend} |")

    lines = [f"Run by `bench/soak.sh` on {time.strftime('%Y-%m-%d')}: {SECONDS // 60} minutes after a {WARMUP} s warm-up, wrk with 2 threads and 8 "
             "connections on loopback against the Release build through the app host, every tenth request a STOW-RS, two in ten a 64 KiB "
             "result-file upload, two an exam list page, five a DICOM download with a Range; and a reconstruction uploaded every 5 s.", "",
             f"- requests: {requests:,} ({requests / (SECONDS + WARMUP):,.0f}/s), answers not 2xx: {non2xx}, socket errors: {errors.group(1) if errors else 'none'}; "
             f"latency p50 {p50:.1f} ms, p99 {p99:.1f} ms",
             f"- reconstructions during the soak: {jobs['made']} uploaded, {jobs['finished']} finished", "",
             "| service | resident MiB (warm → end) | open fds | threads | resident MiB, each minute |", "| --- | ---: | ---: | ---: | --- |", *rows, "",
             f"Bounds: resident memory may grow by {MAX_RSS_GROWTH:.0%} of its warm size or {MAX_RSS_GROWTH_MIB} MiB, whichever is larger; "
             f"file descriptors by {MAX_FD_GROWTH}, threads by {MAX_THREAD_GROWTH}. "
             + ("All within bounds." if not failures else "Out of bounds: " + "; ".join(failures))]
    os.makedirs(os.path.join(ROOT, "artifacts", "reliability"), exist_ok=True)
    open(os.path.join(ROOT, "artifacts", "reliability", "soak.md"), "w").write("\n".join(lines) + "\n")
    print(output)
    print("\n".join(lines))
    return 1 if failures or non2xx or jobs["finished"] != jobs["made"] else 0


if __name__ == "__main__":
    sys.exit(main())
