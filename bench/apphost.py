"""The app host (Release build) for a benchmark, started as a person starts it, and what the benchmark needs of it.

Aspire's DCP runs the resources; they are found as the descendants of the DCP API server that watches this app host
(`dcp start-apiserver --monitor <pid>`). A service is reached on the port it binds itself (ASPNETCORE_URLS in its
environment), not through DCP's development proxy in front of it, so the figures are the service's own, as a container
platform would see them.
"""
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVICES = {"resultsapi": "ResultsApi", "workflowworker": "WorkflowWorker", "imagingimport": "ImagingImport"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(work, *extra, patience=240):
    """Starts the app host with its data in work/apphost; returns (process, log path, state, admin password).

    state is {"resources": [{"name", "endpoints", "pids"}]} for postgres, redis, messaging and the three services, and
    resultsapi-front when the app host runs it."""
    data = os.path.join(work, "apphost")
    password = secrets.token_hex(16)
    # Production by default (BENCH_ENVIRONMENT), as a deployment runs: no developer exception page, production logging.
    environment = os.environ.get("BENCH_ENVIRONMENT", "Production")
    env = dict(os.environ, DOTNET_ENVIRONMENT=environment, ASPNETCORE_ENVIRONMENT=environment,
               ASPNETCORE_URLS=f"http://localhost:{free_port()}",
               ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=f"http://localhost:{free_port()}",
               ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL=f"http://localhost:{free_port()}",
               ASPIRE_ALLOW_UNSECURED_TRANSPORT="true",
               # Secrets of their own, so a benchmark never touches a developer's.
               ASPIRE_USER_SECRETS_ID=f"bench-{uuid.uuid4().hex}")
    log = os.path.join(work, "apphost.log")
    process = subprocess.Popen(["dotnet", os.path.join(ROOT, "AppHost/bin/Release/net10.0/AppHost.dll"),
                                f"--AppHost:DataDirectory={data}", "--AppHost:Servers=Processes", "--AppHost:DemoData=false",
                                f"--Parameters:resultsapi-admin-password={password}", *extra],
                               env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + patience
    while "resources healthy in" not in open(log).read():
        if process.poll() is not None or time.time() > deadline:
            stop(process)
            raise RuntimeError(open(log).read())
        time.sleep(0.5)
    return process, log, state(process.pid), password


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, 15)
        process.wait(90)


def state(apphost_pid):
    parents = {}
    for pid in (int(p) for p in os.listdir("/proc") if p.isdigit()):
        try:
            stat = open(f"/proc/{pid}/stat").read()
            parents[pid] = int(stat[stat.rindex(")") + 2:].split()[1])
        except OSError:
            pass
    apiserver = next(pid for pid in parents if f"--monitor {apphost_pid} " in command_line(pid) and "start-apiserver" in command_line(pid))
    ours = set()
    frontier = [apiserver]
    while frontier:
        ours.update(frontier)
        frontier = [pid for pid, parent in parents.items() if parent in frontier and pid not in ours]
    resources = []
    for name, project in SERVICES.items():
        pids = [pid for pid in ours if command_line(pid).split(" ")[0].endswith(f"/{project}/bin/Release/net10.0/{project}")]
        urls = [environment(pid).get("ASPNETCORE_URLS", "").split(";")[0].replace("localhost", "127.0.0.1") for pid in pids]
        resources.append({"name": name, "endpoints": [u for u in urls if u], "pids": sorted(pids)})
    for name, pattern in (("postgres", r"/postgres -D "), ("redis", r"redis-server "), ("messaging", r"beam\.smp ")):
        # Only the server's main process carries these arguments (PostgreSQL's backends rename themselves).
        resources.append({"name": name, "endpoints": [], "pids": sorted(pid for pid in ours if re.search(pattern, command_line(pid)))})
    # ResultsApi's file front (AppHost:FileFront=true): nginx's master and its workers; its address is in the configuration
    # the app host wrote for it.
    masters = [pid for pid in ours if re.search(r"nginx: master process .* -c \S*/resultsapi-front/nginx\.conf", command_line(pid))]
    if masters:
        config = re.search(r" -c (\S+)", command_line(masters[0])).group(1)
        listen = re.search(r"^\s*listen (\S+);", open(config).read(), re.M).group(1)
        workers = [pid for pid, parent in parents.items() if parent in masters]
        resources.append({"name": "resultsapi-front", "endpoints": [f"http://{listen}"], "pids": sorted(masters + workers)})
    return {"resources": resources}


def command_line(pid):
    try:
        return open(f"/proc/{pid}/cmdline").read().replace("\0", " ")
    except OSError:
        return ""


def environment(pid):
    try:
        return dict(e.split("=", 1) for e in open(f"/proc/{pid}/environ").read().split("\0") if "=" in e)
    except OSError:
        return {}


def login(state, password):
    """ResultsApi's own address and the admin's bearer token."""
    base = next(r for r in state["resources"] if r["name"] == "resultsapi")["endpoints"][0]
    form = urllib.parse.urlencode({"username": "admin", "password": password}).encode()
    request = urllib.request.Request(base + "/api/v1/userlogin/login", data=form, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return base, json.loads(answer.read())["access_token"]


def stop_all(procs):
    """Stops each (name, process) started in its own session, the last first: nginx gracefully (SIGQUIT), the others with
    SIGTERM, and with SIGKILL what has not ended 60 s later."""
    for name, proc in reversed(procs):
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGQUIT if name == "nginx" else signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
