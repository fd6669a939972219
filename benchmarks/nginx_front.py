"""nginx in front of gunicorn for benchmarks, configured from what deploy/ ships, and a small
HTTP load generator that says how much of the machine it used itself.

The site is assembled from deploy/nginx/ipp.conf (its `proxy_cache_path`, `upstream` and
`location /` blocks, paths and addresses moved) around an `include` of the very file
production includes, deploy/nginx/ipp-portal-cache.conf, on plain HTTP (TLS is the one part
left out). nginx runs as the current user with everything under a scratch directory.
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import pwd
import re
import resource
import shutil
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NGINX_DIR = ROOT / "deploy" / "nginx"
SITE = NGINX_DIR / "ipp.conf"
CACHE_RULES = NGINX_DIR / "ipp-portal-cache.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _block(conf: str, head: str, indent: str = "") -> str:
    """The text of `head { … }` (no nested braces inside, as in ipp.conf)."""
    match = re.search(rf"^{indent}{re.escape(head)} \{{.*?^{indent}\}}", conf, re.M | re.S)
    assert match, f"ipp.conf has no `{head}` block"
    return match.group(0)


def site_config(workdir: Path, listen: int, upstream: str) -> str:
    """The shipped site's cache zone, upstream and proxy location, on 127.0.0.1:`listen`."""
    conf = SITE.read_text(encoding="utf-8")
    cache_path = re.search(r"^proxy_cache_path\s.*?;", conf, re.M | re.S).group(0)
    cache_path = cache_path.replace("/var/cache/nginx/ipp", str(workdir / "cache"))
    servers = re.sub(r"^\s*#?\s*server .*$\n", "", _block(conf, "upstream ipp_app"), flags=re.M)
    servers = servers.replace("{", f"{{\n    server {upstream} fail_timeout=0;", 1)
    return "\n".join([
        cache_path, servers,
        "server {",
        f"    listen 127.0.0.1:{listen};",
        "    server_name localhost;",
        f"    access_log {workdir}/access.log;",
        f"    include {CACHE_RULES};",
        _block(conf, "location /", indent="    "),
        "}", ""])


def nginx_config(workdir: Path, listen: int, upstream: str) -> str:
    """A whole nginx.conf: Debian's defaults that matter (a worker per core, sendfile)."""
    temp = {kind: workdir / f"tmp-{kind}" for kind in
            ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    return "\n".join([
        # Started by root, nginx would hand its workers to `nobody`, who cannot enter the
        # scratch directory; workers as the current user instead (production: www-data).
        f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else "",
        "worker_processes auto;",
        f"pid {workdir}/nginx.pid;",
        f"error_log {workdir}/error.log warn;",
        "events { worker_connections 1024; }",
        "http {",
        "    include /etc/nginx/mime.types;",
        "    sendfile on;",
        "    tcp_nopush on;",
        "    keepalive_timeout 65;",
        *(f"    {kind}_temp_path {path};" for kind, path in temp.items()),
        site_config(workdir, listen, upstream),
        "}", ""])


class Nginx:
    """nginx on 127.0.0.1:`listen` in front of `upstream`, in `workdir` (a context manager)."""

    def __init__(self, workdir: Path, listen: int, upstream: str):
        self.workdir, self.listen = Path(workdir), listen
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.conf = self.workdir / "nginx.conf"
        self.conf.write_text(nginx_config(self.workdir, listen, upstream), encoding="utf-8")
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Nginx:
        command = [NGINX, "-p", str(self.workdir), "-c", str(self.conf), "-e",
                   str(self.workdir / "error.log")]
        checked = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        self.process = subprocess.Popen([*command, "-g", "daemon off;"],
                                        stderr=subprocess.PIPE, text=True)
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", self.listen, timeout=1).connect()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nginx did not start: {self.process.stderr.read()}")

    def __exit__(self, *_exc) -> None:
        self.process.terminate()
        self.process.wait(10)

    def purge(self) -> None:
        """What docs/DEPLOY.md tells an operator: delete the cache directory's files."""
        for entry in (self.workdir / "cache").rglob("*"):
            if entry.is_file():
                entry.unlink()

    def get(self, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.listen, timeout=30)
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, \
                response.read()
        finally:
            connection.close()


# --- CPU accounting -----------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2:].split()  # fields from the state on (after "comm")


def family(pid: int) -> list[int]:
    """`pid` and its children (nginx's and gunicorn's workers)."""
    kids = [int(p) for p in os.listdir("/proc") if p.isdigit()
            and (_stat(int(p)) or ["", "0"])[1] == str(pid)]
    return [pid, *kids]


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def machine_busy_seconds() -> float:
    """CPU seconds all processes of the machine spent busy (every core), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / TICK


# --- Load generator -------------------------------------------------------------------------

def _client_process(port: int, paths: list[str], seconds: float, threads: int, offset: int,
                    headers: dict, start_at: float, results) -> None:
    counts: Counter = Counter()
    lock = threading.Lock()

    def run(number: int) -> None:
        local: Counter = Counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        index = (offset + number) * 7919
        while time.time() < stop:
            path = paths[index % len(paths)]
            index += 1
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                local[f"HTTP {response.status}"] += 1
                local[response.getheader("X-Cache-Status") or "no X-Cache-Status"] += 1
            except (OSError, http.client.HTTPException):
                local["errors"] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        with lock:
            counts.update(local)

    time.sleep(max(0.0, start_at - time.time()))
    stop = time.time() + seconds
    before = resource.getrusage(resource.RUSAGE_SELF)
    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    after = resource.getrusage(resource.RUSAGE_SELF)
    counts["client cpu ms"] = round(1000 * (after.ru_utime - before.ru_utime
                                            + after.ru_stime - before.ru_stime))
    results.put(dict(counts))


def hammer(port: int, paths: list[str], seconds: float, *, processes: int = 2,
           threads: int = 8, headers: dict | None = None,
           servers: dict[str, int | list[int]] | None = None) -> dict:
    """GET `paths` round-robin for `seconds` from processes × threads keep-alive connections.
    Returns requests/s, the status and X-Cache-Status counts, and the cores each party used
    (client, each of `servers` by master pid with its children or by a list of pids, and the
    whole machine)."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start_at = time.time() + 0.5
    children = [context.Process(target=_client_process, args=(
        port, paths, seconds, threads, n * threads, headers or {}, start_at, results))
        for n in range(processes)]
    for child in children:
        child.start()
    time.sleep(max(0.0, start_at - time.time()))
    server_pids = {name: pids if isinstance(pids, list) else family(pids)
                   for name, pids in (servers or {}).items()}
    server_before = {name: cpu_seconds(pids) for name, pids in server_pids.items()}
    busy_before, started = machine_busy_seconds(), time.time()
    counts: Counter = Counter()
    for _ in children:
        counts.update(results.get(timeout=seconds + 60))
    wall = time.time() - started
    busy = machine_busy_seconds() - busy_before
    for child in children:
        child.join()
    done = counts["HTTP 200"] + counts["HTTP 304"]  # anything else is in the counts
    cores = {"client": counts.pop("client cpu ms") / 1000 / wall}
    cores.update({name: (cpu_seconds(pids) - server_before[name]) / wall
                  for name, pids in server_pids.items()})
    cores["machine"] = busy / wall
    # Other sessions share this machine: what nobody above used.
    cores["others"] = max(0.0, cores["machine"] - sum(v for k, v in cores.items()
                                                       if k != "machine"))
    return {"rate": done / seconds, "counts": dict(counts), "cores": cores}


def fetch_once(port: int, paths: list[str], threads: int = 16,
               headers: dict | None = None) -> dict:
    """Every path once, `threads` at a time: (requests/s, status and cache counts)."""
    counts: Counter = Counter()
    lock = threading.Lock()
    queue = list(reversed(paths))

    def run() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not queue:
                    return
                path = queue.pop()
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            response.read()
            with lock:
                counts[f"HTTP {response.status}"] += 1
                counts[response.getheader("X-Cache-Status") or "no X-Cache-Status"] += 1

    started = time.perf_counter()
    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return {"rate": len(paths) / (time.perf_counter() - started), "counts": dict(counts)}
