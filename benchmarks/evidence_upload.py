"""Benchmark: a 20 MB evidence file streams to storage (issue 19; goal: peak memory growth
< 5 MB while it is uploaded and stored).

    .venv/bin/python benchmarks/evidence_upload.py [--mb 20] [--storage local|s3]

Signs in as the demo enterprise on a fresh SQLite database and posts the file to the upload
endpoint as the browser does (multipart, through werkzeug's form parser, which spools a large
file to disk), then through the service function with an open file (the CLI's path). Reports
the Python heap's peak above its level before (tracemalloc) and the growth of the process's
peak resident memory (VmHWM), each against the file's size. ``--storage s3`` stores into a
moto S3 server started here (boto3's multipart upload keeps 8 MB parts in memory: the figure
says how much that costs).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _peak_rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def _pdf(path: Path, mb: int) -> None:
    with open(path, "wb") as out:
        out.write(b"%PDF-1.4\n")
        block = os.urandom(1024 * 1024)
        for _ in range(mb):
            out.write(block)
        out.write(b"\n%%EOF\n")


def _measure(label: str, action) -> dict:
    tracemalloc.start()
    base_heap, _ = tracemalloc.get_traced_memory()
    with open("/proc/self/clear_refs", "w") as reset:  # the peak from here on (Linux)
        reset.write("5")
    rss_before = _peak_rss_kb()
    started = time.perf_counter()
    action()
    seconds = time.perf_counter() - started
    _now, peak_heap = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    result = {"path": label, "seconds": round(seconds, 2),
              "heap_peak_mb": round((peak_heap - base_heap) / 2**20, 2),
              "rss_peak_growth_mb": round((_peak_rss_kb() - rss_before) / 1024, 2)}
    print(result, flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=20)
    parser.add_argument("--storage", choices=("local", "s3"), default="local")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ipp-evidence-bench-"))
    overrides = {"UPLOAD_FOLDER": str(work / "uploads"), "EVIDENCE_MAX_MB": args.mb + 1,
                 "MAX_CONTENT_LENGTH": (args.mb + 2) * 2**20}
    server = None
    if args.storage == "s3":
        import socket
        import subprocess

        import boto3

        # The S3 server in its own process: its memory is not the app's.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                   "-p", str(port)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        endpoint = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="x",
                     aws_secret_access_key="x", region_name="us-east-1").create_bucket(
            Bucket="evidence")
        overrides.update(EVIDENCE_STORAGE="s3", S3_BUCKET="evidence", S3_ENDPOINT_URL=endpoint,
                         S3_ACCESS_KEY="x", S3_SECRET_KEY="x")
    from tests.conftest import csrf_token_of, login, make_test_app

    app = make_test_app(f"sqlite:///{work / 'bench.db'}", **overrides)
    with app.app_context():
        from app.services.demo import load_demo
        from app.services.platform.setup import run_setup

        run_setup()
        load_demo()
    source = work / "审计报告.pdf"
    _pdf(source, args.mb)
    print(f"file: {source.stat().st_size / 2**20:.1f} MB, storage: {args.storage}")
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Submission

    with app.app_context():
        record_id = db.session.execute(select(Submission.id).where(
            Submission.uscc == "91210202MA0000001J")).scalars().first()
    client = app.test_client()
    login(client, "enterprise_user")
    form_page = client.get("/portal/activity/1").get_data(as_text=True)
    token = csrf_token_of(form_page)
    upload_url = None
    with app.test_request_context():
        from flask import url_for

        if "EvidenceView.upload" in app.view_functions:
            upload_url = url_for("EvidenceView.upload", submission_id=record_id)

    results = []
    if upload_url:
        def through_http():
            with open(source, "rb") as stream:
                response = client.post(upload_url, data={
                    "csrf_token": token, "field": "rd_expense",
                    "file": (stream, source.name, "application/pdf")},
                    content_type="multipart/form-data", headers={"X-CSRFToken": token})
            assert response.status_code == 200, response.get_data(as_text=True)[:300]
        results.append(_measure("HTTP upload endpoint", through_http))

    def through_service():
        from app.services.evidence import attachments

        with app.app_context():
            user = app.appbuilder.sm.find_user(username="enterprise_user")
            with open(source, "rb") as stream:
                attachments.add(record_id, user, stream, source.name, field="rd_expense")
    results.append(_measure("service with an open file (CLI)", through_service))
    if server is not None:
        server.terminate()



if __name__ == "__main__":
    main()
