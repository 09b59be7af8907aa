#!/usr/bin/python3
"""The DICOMweb benchmark: ResultsApi's STOW-RS, QIDO-RS and WADO-RS against Orthanc 1.10 with its DICOMweb plugin,
on the same instances, with wrk on loopback, in one run. Writes docs/benchmarks/dicomweb.md.

STOW: 4 connections each storing new 128 KiB CT instances (bench/dicomweb/stow.lua). QIDO: the series of a study.
WADO: a whole series of 50 instances as multipart/related. Server CPU includes the server's database: PostgreSQL's
processes for ResultsApi, Orthanc's embedded SQLite is in its own process."""
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "serving"))
from run import ROOT, DURATION, WARMUP, TICKS, children, cpu_ticks, free_port, wait_http, wrk  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import apphost as app_host  # noqa: E402

STOW_SECONDS = int(os.environ.get("BENCH_STOW_SECONDS", "20"))
# Connection counts for STOW, e.g. "4,16"; the first one's instances are the studies QIDO and WADO read.
STOW_CONNECTIONS = [int(c) for c in os.environ.get("BENCH_STOW_CONNECTIONS", "4").split(",")]
STUDIES_PER_THREAD = 10


def descendants(pid):
    try:
        kids = children(pid)
    except FileNotFoundError:
        return []
    return kids + [d for k in kids for d in descendants(k)]


def stow(base, pids_of, header, run, seconds, template, connections=4, own_pids=None):
    """wrk with stow.lua for `seconds`; run numbers the UIDs apart from other runs (10 × run + thread). own_pids: the
    server's own processes among pids_of (its database aside), whose CPU is reported apart as own_cpu_ms."""
    env = dict(os.environ, STOW_TEMPLATE=template, STOW_PATH="/dicom-web/studies", WRK_HEADER=header, STOW_RUN=str(run))
    before = cpu_ticks(pids_of())
    own_before = cpu_ticks(own_pids) if own_pids else 0
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", os.path.join(ROOT, "bench/dicomweb/stow.lua"), base],
                         capture_output=True, text=True, env=env, check=True).stdout
    cpu = (cpu_ticks(pids_of()) - before) / TICKS
    own_cpu = (cpu_ticks(own_pids) - own_before) / TICKS if own_pids else cpu
    import re
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)

    def latency(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {"rps": requests / seconds, "mbps": requests * os.path.getsize(template) / seconds / 2 ** 20, "p50": latency(50), "p99": latency(99),
            "requests": requests, "cpu_ms": cpu * 1000 / max(requests, 1),
            "own_cpu_ms": own_cpu * 1000 / max(requests, 1), "errors": int(non2xx.group(1)) if non2xx else 0}


def uid(kind, run, thread, number):
    return f"2.25.{kind}{10 * run + thread:03d}{number:017d}"


def main():
    work = tempfile.mkdtemp(prefix="bench-dicomweb-")
    os.chmod(work, 0o755)  # PostgreSQL runs as its own user and must reach its data folder inside.
    procs = []
    try:
        template = os.path.join(work, "template.dcm")
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench/dicomweb/template.py"), template], check=True)

        # Storing measured as storing: Orthanc beside analyses nothing, and the series' own analyses (queued once each
        # series is complete) would share the two cores with the measured requests.
        apphost, _, state, password = app_host.start(work, "--AppHost:AnalyseStableSeries=false")
        procs.append(("apphost", apphost))
        resource = {r["name"]: r for r in state["resources"]}
        api_base, token = app_host.login(state, password)
        api_pids = resource["resultsapi"]["pids"]
        postgres_pids = resource["postgres"]["pids"]

        orthanc_port, orthanc_dir = free_port(), os.path.join(work, "orthanc")
        os.makedirs(orthanc_dir)
        json.dump({"Name": "bench", "StorageDirectory": orthanc_dir, "IndexDirectory": orthanc_dir, "HttpPort": orthanc_port,
                   "DicomPort": free_port(), "RemoteAccessAllowed": False, "AuthenticationEnabled": False,
                   "Plugins": ["/usr/share/orthanc/plugins/libOrthancDicomWeb.so"], "DicomWeb": {"Enable": True, "Root": "/dicom-web/"}},
                  open(os.path.join(work, "orthanc.json"), "w"))
        orthanc = subprocess.Popen(["Orthanc", f"--logdir={work}", os.path.join(work, "orthanc.json")],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        procs.append(("orthanc", orthanc))
        wait_http(f"http://127.0.0.1:{orthanc_port}/system")

        servers = [
            ("ResultsApi", api_base, lambda: api_pids + [p for pg in postgres_pids for p in [pg] + descendants(pg)], f"Authorization: Bearer {token}"),
            ("Orthanc 1.10 + DICOMweb", f"http://127.0.0.1:{orthanc_port}", lambda: [orthanc.pid], ""),
        ]
        rows = []
        for name, base, pids_of, header in servers:
            if WARMUP:
                stow(base, pids_of, header, 1, WARMUP, template)
            for run, connections in enumerate(STOW_CONNECTIONS, start=2):
                # BENCH_PROFILE=<folder>: a CPU profile of ResultsApi over each measured STOW cell (dotnet-trace on PATH).
                profile = None
                if os.environ.get("BENCH_PROFILE") and name == "ResultsApi":
                    profile = subprocess.Popen(["dotnet-trace", "collect", "-p", str(api_pids[0]), "--profile", "dotnet-sampled-thread-time",
                                                "--duration", f"00:00:00:{max(STOW_SECONDS - 2, 1):02d}", "--format", "Speedscope",
                                                "-o", os.path.join(os.environ["BENCH_PROFILE"], f"stow-{connections}c.nettrace")],
                                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                r = stow(base, pids_of, header, run, STOW_SECONDS, template, connections, api_pids if name == "ResultsApi" else None)
                if profile is not None:
                    profile.wait(120)
                rows.append((f"STOW-RS, one new 128 KiB instance per request ({connections} connections)", name, r))
                print(name, "stow", connections, r, flush=True)

        # Studies both servers hold in full: the first groups of 50 each measured-run thread stored.
        studies = [(uid(7, 2, t, g), uid(8, 2, t, g)) for t in (1, 2) for g in range(STUDIES_PER_THREAD)]
        scenarios = [
            ("QIDO-RS, the series of a study (4 connections)", [f"/dicom-web/studies/{s}/series" for s, _ in studies], 4),
            ("QIDO-RS, the instances of a series, 50 (4 connections)", [f"/dicom-web/studies/{s}/series/{se}/instances" for s, se in studies], 4),
            ("WADO-RS, a whole series of 50 instances (4 connections)", [f"/dicom-web/studies/{s}/series/{se}" for s, se in studies], 4),
            ("WADO-RS, the first frame of an instance (4 connections)",
             [f"/dicom-web/studies/{s}/series/{se}/instances/{uid(9, 2, t, 50 * g)}/frames/1"
              for t in (1, 2) for g in range(STUDIES_PER_THREAD) for s, se in [(uid(7, 2, t, g), uid(8, 2, t, g))]], 4),
            ("WADO-RS, the metadata of a series of 50 (4 connections)", [f"/dicom-web/studies/{s}/series/{se}/metadata" for s, se in studies], 4),
        ]
        # BENCH_SCENARIOS=qido,wado (words of the titles) runs only those after STOW.
        if os.environ.get("BENCH_SCENARIOS"):
            words = os.environ["BENCH_SCENARIOS"].split(",")
            scenarios = [sc for sc in scenarios if any(w.lower() in sc[0].lower() for w in words)]
        # BENCH_ONLY=stow stops after STOW, for quick experiments (no report is written then).
        if os.environ.get("BENCH_ONLY") == "stow":
            scenarios = []
        for title, paths, connections in scenarios:
            for name, base, pids_of, header in servers:
                r = wrk(base, paths, pids_of(), connections, header)
                rows.append((title, name, r))
                print(title, name, r, flush=True)

        lines = ["# DICOMweb: ResultsApi against Orthanc", "",
                 f"Measured by `bench/dicomweb.sh` on {datetime.date.today()}, 2-core build machine, everything on loopback. "
                 "ResultsApi is the Release build started by the app host with its real PostgreSQL, Redis, RabbitMQ and telemetry, every request "
                 "with a bearer token; Orthanc 1.10 with its DICOMweb plugin 1.13 and its default SQLite index, no authentication. "
                 f"STOW: wrk with `bench/dicomweb/stow.lua`, 2 threads, 4 connections, each request one new 128 KiB CT instance (256×256, 16-bit) "
                 f"made from a pydicom template by writing fresh UIDs, 50 instances per series, one series per study; {WARMUP} s of unmeasured "
                 f"warm-up (other UIDs), then {STOW_SECONDS} s measured. QIDO and WADO: wrk rotating over {len(studies)} of the stored studies, "
                 f"{DURATION} s per cell after {WARMUP} s of warm-up. Server CPU is user+system time over the run divided by the operations "
                 "answered, *including the database*: PostgreSQL's processes for ResultsApi (Orthanc's SQLite is inside its own process). "
                 "wrk shares the two cores with the servers.", "",
                 "| scenario | server | operations/s | MB/s | p50 ms | p99 ms | server CPU ms/operation | non-2xx |",
                 "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for title, name, r in rows:
            lines.append(f"| {title} | {name} | {r['rps']:,.0f} | {r['mbps']:,.1f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['cpu_ms']:.3f} | {r['errors']} |")
        lines += ["", "| scenario | ResultsApi ÷ Orthanc, operations/s | Orthanc ÷ ResultsApi, CPU per operation |", "| --- | ---: | ---: |"]
        for title in dict.fromkeys(t for t, _, _ in rows):
            ours, theirs = (next(r for t, n, r in rows if t == title and n == server[0]) for server in servers)
            lines.append(f"| {title} | {ours['rps'] / theirs['rps']:.2f}× | {theirs['cpu_ms'] / ours['cpu_ms']:.2f}× |")
        # BENCH_FIGURES=<file>: every cell as JSON, for bench/compare.sh.
        if os.environ.get("BENCH_FIGURES"):
            json.dump([{"scenario": t, "server": n, **r} for t, n, r in rows], open(os.environ["BENCH_FIGURES"], "w"), indent=1)
        lines += ["", "What the figures say against the aims (2× Orthanc on STOW and WADO-RS, 3× on QIDO-RS), and where STOW's time goes: "
                  "docs/results-api.md, section \"DICOMweb performance\"."]
        if not os.environ.get("BENCH_NO_REPORT") and not os.environ.get("BENCH_ONLY") and not os.environ.get("BENCH_SCENARIOS"):
            open(os.path.join(ROOT, "docs/benchmarks/dicomweb.md"), "w").write("\n".join(lines) + "\n")
        print("\n".join(lines))
    finally:
        app_host.stop_all(procs)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
