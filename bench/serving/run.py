#!/usr/bin/python3
"""The DICOM serving benchmark: ResultsApi's GET /api/v1/exam/dcm/... against nginx (files from disk) and Orthanc
(/instances/{id}/file) on the same files, with wrk on loopback, in one run. Writes docs/benchmarks/dicom-serving.md."""
import datetime
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import apphost as app_host  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DURATION = int(os.environ.get("BENCH_SECONDS", "20"))
# Unmeasured load before each cell, the same for every server: the .NET JIT tiers hot code up in the first seconds.
WARMUP = int(os.environ.get("BENCH_WARMUP_SECONDS", "20"))
TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def request(method, url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read() or b"null")


def cpu_ticks(pids):
    total = 0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except FileNotFoundError:
            pass
    return total


def children(pid):
    out = []
    for task in os.listdir(f"/proc/{pid}/task"):
        out += [int(c) for c in open(f"/proc/{pid}/task/{task}/children").read().split()]
    return out


def wrk(base, paths, pids, connections, header="", byte_range=""):
    urls = tempfile.NamedTemporaryFile("w", delete=False, suffix=".txt")
    urls.write("\n".join(paths) + "\n")
    urls.close()
    env = dict(os.environ, WRK_URLS=urls.name, WRK_HEADER=header, WRK_RANGE=byte_range)
    if WARMUP:
        subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{WARMUP}s", "-s", os.path.join(ROOT, "bench/serving/wrk_urls.lua"), base],
                       capture_output=True, env=env, check=True)
    # pids may name its parts ({"nginx": [...], "ResultsApi": [...]}): the CPU is their sum, and each part is kept.
    parts = pids if isinstance(pids, dict) else {"": pids}
    before = {k: cpu_ticks(v) for k, v in parts.items()}
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{DURATION}s", "--latency", "-s",
                          os.path.join(ROOT, "bench/serving/wrk_urls.lua"), base], capture_output=True, text=True, env=env, check=True).stdout
    used = {k: (cpu_ticks(v) - before[k]) / TICKS for k, v in parts.items()}
    cpu = sum(used.values())
    os.unlink(urls.name)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)

    def latency(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    mb = re.search(r"Transfer/sec:\s+([\d.]+)(KB|MB|GB)", out)
    mbps = float(mb.group(1)) * {"KB": 1 / 1024, "MB": 1, "GB": 1024}[mb.group(2)]
    return {"rps": requests / DURATION, "mbps": mbps, "p50": latency(50), "p99": latency(99), "requests": requests,
            "cpu_ms": cpu * 1000 / max(requests, 1), "errors": int(non2xx.group(1)) if non2xx else 0,
            "cpu_ms_parts": {k: v * 1000 / max(requests, 1) for k, v in used.items() if k}}


def main():
    work = tempfile.mkdtemp(prefix="bench-serving-")
    os.chmod(work, 0o755)
    files_dir = os.path.join(work, "files")
    os.makedirs(files_dir)
    os.chmod(files_dir, 0o755)
    procs = []
    try:
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench/serving/make_files.py"), files_dir, "40"], check=True)
        mr = sorted(f for f in os.listdir(files_dir) if f.startswith("mr-"))
        mr_size = sum(os.path.getsize(os.path.join(files_dir, f)) for f in mr) / len(mr)
        big_size = os.path.getsize(os.path.join(files_dir, "multiframe.dcm"))

        # ResultsApi through the app host (Release build), as it runs for real.
        # Serving measured as serving: the stored series are not analysed meanwhile (nginx beside analyses nothing).
        extra = ["--AppHost:AnalyseStableSeries=false", *os.environ.get("BENCH_APPHOST_ARGS", "").split()]
        # The app host's file front on (resultsapi-front, decision 0020): a request through it is answered with
        # X-Accel-Redirect and nginx sends the bytes; direct requests to ResultsApi are unchanged.
        apphost, _, state, password = app_host.start(work, "--AppHost:FileFront=true", *extra)
        procs.append(("apphost", apphost))
        api_base, token = app_host.login(state, password)
        api_pids = next(r for r in state["resources"] if r["name"] == "resultsapi")["pids"]
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        exam = request("POST", api_base + "/api/v1/exam/new", json.dumps({"name": "bench"}).encode(), auth)["id"]
        workflow = request("POST", api_base + "/api/v1/exam/workflow/new", json.dumps({"exam_id": exam, "name": "w"}).encode(), auth)["id"]
        task = request("POST", api_base + "/api/v1/exam/task/new", json.dumps({"workflow_id": workflow, "name": "t"}).encode(), auth)["id"]
        result = request("POST", api_base + f"/api/v1/exam/result?task_id={task}", b"", auth)["id"]
        for f in mr + ["multiframe.dcm"]:
            request("PUT", api_base + f"/api/v1/exam/result/{result}/files/{f}", open(os.path.join(files_dir, f), "rb").read(),
                    {"Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream"})
        api_paths = {f: f"/api/v1/exam/dcm/{workflow}/{task}/{result}/{f}" for f in mr + ["multiframe.dcm"]}

        # nginx serving the same files from disk: the practical limit.
        nginx_port = free_port()
        conf = os.path.join(work, "nginx.conf")
        open(conf, "w").write(f"""worker_processes 2; pid {work}/nginx.pid; error_log {work}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{ sendfile on; tcp_nopush on; access_log off; default_type application/dicom;
  server {{ listen 127.0.0.1:{nginx_port}; root {files_dir}; }} }}""")
        nginx = subprocess.Popen(["nginx", "-c", conf, "-p", work, "-g", "daemon off;"], start_new_session=True)
        procs.append(("nginx", nginx))
        wait_http(f"http://127.0.0.1:{nginx_port}/mr-000.dcm")
        nginx_pids = [nginx.pid] + children(nginx.pid)

        # nginx in front of ResultsApi, as the app host runs it (decision 0020): ResultsApi authorises each request, nginx sends the bytes.
        front = next(r for r in state["resources"] if r["name"] == "resultsapi-front")
        front_base = front["endpoints"][0]
        front_pids = {"nginx": front["pids"], "ResultsApi": api_pids}

        # Orthanc 1.10 serving /instances/{id}/file; BENCH_NO_ORTHANC=1 leaves it out (bench/compare.sh compares with nginx here).
        with_orthanc = not os.environ.get("BENCH_NO_ORTHANC")
        orthanc_port, orthanc_dir = free_port(), os.path.join(work, "orthanc")
        os.makedirs(orthanc_dir)
        json.dump({"Name": "bench", "StorageDirectory": orthanc_dir, "IndexDirectory": orthanc_dir, "HttpPort": orthanc_port,
                   "DicomPort": free_port(), "RemoteAccessAllowed": False, "AuthenticationEnabled": False, "Plugins": []},
                  open(os.path.join(work, "orthanc.json"), "w"))
        orthanc = subprocess.Popen(["Orthanc", f"--logdir={work}", os.path.join(work, "orthanc.json")] if with_orthanc else ["true"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        procs.append(("orthanc", orthanc))
        if with_orthanc:
            wait_http(f"http://127.0.0.1:{orthanc_port}/system")
        orthanc_paths = {}
        for f in (mr + ["multiframe.dcm"] if with_orthanc else []):
            orthanc_paths[f] = "/instances/" + request("POST", f"http://127.0.0.1:{orthanc_port}/instances",
                                                      open(os.path.join(files_dir, f), "rb").read())["ID"] + "/file"

        servers = [
            ("ResultsApi", api_base, api_paths, api_pids, f"Authorization: Bearer {token}"),
            ("nginx", f"http://127.0.0.1:{nginx_port}", {f: "/" + f for f in api_paths}, nginx_pids, ""),
            ("Orthanc 1.10", f"http://127.0.0.1:{orthanc_port}", orthanc_paths, [orthanc.pid], ""),
        ][:3 if with_orthanc else 2]
        # Last, so bench/compare.sh (first server whose name starts with ResultsApi) keeps reading the direct row.
        servers.append(("ResultsApi behind nginx (X-Accel-Redirect)", front_base, api_paths, front_pids,
                        f"Authorization: Bearer {token}"))
        one_mib = 1 << 20
        scenarios = [
            ("MR instances, whole (16 connections)", mr, 16, ""),
            ("100 MB multi-frame, whole (4 connections)", ["multiframe.dcm"], 4, ""),
            ("100 MB multi-frame, 1 MiB Range (16 connections)", ["multiframe.dcm"], 16, f"bytes={50 * one_mib}-{51 * one_mib - 1}"),
        ]
        # BENCH_SCENARIOS=0,2 runs only those scenarios, for quick experiments; the report is only written for a full run.
        chosen = [int(i) for i in os.environ.get("BENCH_SCENARIOS", "").split(",") if i]
        scenarios = [sc for i, sc in enumerate(scenarios) if not chosen or i in chosen]
        rows = []
        for title, names, connections, byte_range in scenarios:
            for name, base, paths, pids, header in servers:
                # BENCH_PROFILE=<folder>: a CPU profile of ResultsApi during each of its measured cells (dotnet-trace on PATH),
                # for ../shared/tools/profile-summary; it starts after the warm-up, with the measured window.
                profile = None
                if os.environ.get("BENCH_PROFILE") and name == "ResultsApi":
                    target = os.path.join(os.environ["BENCH_PROFILE"], f"get-{len(rows)}.nettrace")
                    profile = subprocess.Popen(["bash", "-c", f"sleep {WARMUP}; exec dotnet-trace collect -p {pids[0]} --profile dotnet-sampled-thread-time "
                                                f"--duration 00:00:00:{max(DURATION - 2, 1):02d} --format Speedscope -o {target}"],
                                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                r = wrk(base, [paths[n] for n in names], pids, connections, header, byte_range)
                if profile is not None:
                    profile.wait(120)
                rows.append((title, name, r))
                print(title, name, r, flush=True)

        lines = ["# DICOM serving: ResultsApi against nginx and Orthanc", "",
                 f"Measured by `bench/dicom-serving.sh` on {datetime.date.today()}, 2-core build machine, everything on loopback. "
                 f"{len(mr)} MR instances of {mr_size / 1e6:.2f} MB and one multi-frame instance of {big_size / 1e6:.0f} MB, written by pydicom, "
                 "served by: ResultsApi (Release build, started by the app host with its real PostgreSQL, Redis, RabbitMQ and telemetry; "
                 "`GET /api/v1/exam/dcm/...` with a bearer token, so every request is authenticated and checked against its source); "
                 "nginx 1.22 from disk (`sendfile on`, 2 workers, no logging) — the practical limit; Orthanc 1.10 (`/instances/{id}/file`); "
                 "and ResultsApi behind nginx, the app host's resultsapi-front (`--AppHost:FileFront=true`, decision 0020: every request goes "
                 "through nginx to ResultsApi, which authorises it and answers X-Accel-Redirect; nginx, 2 workers, sends the file; "
                 "CPU is nginx's and ResultsApi's together, each part in brackets). "
                 f"wrk 4.1 with 2 threads, {DURATION} s per cell after {WARMUP} s of unmeasured warm-up, rotating over the files. CPU is the server's user+system time "
                 "over the run divided by the requests answered (nginx: master and workers). wrk shares the two cores with the server.", "",
                 "| scenario | server | requests/s | MB/s | p50 ms | p99 ms | server CPU ms/request | non-2xx |",
                 "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for title, name, r in rows:
            split = ", ".join(f"{k} {v:.3f}" for k, v in r["cpu_ms_parts"].items())
            cpu = f"{r['cpu_ms']:.3f} ({split})" if split else f"{r['cpu_ms']:.3f}"
            lines.append(f"| {title} | {name} | {r['rps']:,.0f} | {r['mbps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {cpu} | {r['errors']} |")
        lines += ["", "Orthanc 1.10 ignores `Range` and sends the whole file, so its Range row moves 100 MB per request.",
                  "Why ResultsApi alone stays behind nginx on small files and CPU: docs/decisions/0005-dicom-serving-in-kestrel.md; "
                  "the front that lets nginx send the bytes after ResultsApi authorises the request: docs/decisions/0020-nginx-front-for-file-bytes.md."]
        # BENCH_FIGURES=<file>: every cell as JSON, for bench/compare.sh.
        if os.environ.get("BENCH_FIGURES"):
            json.dump([{"scenario": t, "server": n, **r} for t, n, r in rows], open(os.environ["BENCH_FIGURES"], "w"), indent=1)
        # Only a default run is the record: not one with extra app host arguments, chosen scenarios or no Orthanc.
        if not chosen and not os.environ.get("BENCH_APPHOST_ARGS", "").split() and with_orthanc:
            open(os.path.join(ROOT, "docs/benchmarks/dicom-serving.md"), "w").write("\n".join(lines) + "\n")
        print("\n".join(lines))
    finally:
        app_host.stop_all(procs)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
