"""The deployment kit in deploy/ agrees with the app, and a backup really restores.

The last test runs deploy/backup/ipp-backup.sh on a database the app's own migrations
built, restores it with ipp-restore.sh into another database, and checks that every
table, the files and a working login came back (PostgreSQL pass only).
"""

from __future__ import annotations

import ast
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from config import Config, normalize_database_url
from tests.conftest import login, make_test_app

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
BACKUP = DEPLOY / "backup" / "ipp-backup.sh"
RESTORE = DEPLOY / "backup" / "ipp-restore.sh"
SHELL_SCRIPTS = sorted(DEPLOY.rglob("*.sh"))
SITE = DEPLOY / "nginx" / "ipp.conf"
PORTAL_CACHE = DEPLOY / "nginx" / "ipp-portal-cache.conf"
SNIPPET_INSTALLED = "/etc/nginx/snippets/ipp-portal-cache.conf"


def _environment_reads(source: str) -> set[str]:
    """Names read with os.environ.get/[...], os.getenv or config's _env_bool."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and node.args:
            first = node.args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue
            func = ast.unparse(node.func)
            if func in ("os.environ.get", "os.getenv", "_env_bool"):
                names.add(first.value)
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            if isinstance(node.slice, ast.Constant):
                names.add(node.slice.value)
    return names


def variables_the_app_reads() -> set[str]:
    # config.py is where settings belong, but a read anywhere in the app counts too: an
    # operator must find it in env.example either way.
    sources = [ROOT / "config.py", *sorted((ROOT / "app").rglob("*.py"))]
    return set().union(*(_environment_reads(p.read_text(encoding="utf-8")) for p in sources))


def env_example() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "env.example").read_text(encoding="utf-8").splitlines():
        match = re.match(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)$", line)
        if match:
            assert match.group(1) not in values, f"{match.group(1)} twice in env.example"
            values[match.group(1)] = match.group(2)
    return values


def test_env_example_lists_exactly_what_the_app_reads():
    read = variables_the_app_reads()
    # The parser must see the obvious ones, or the comparison below proves nothing.
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "BEHIND_PROXY", "MAIL_USE_TLS"} <= read
    listed = set(env_example())
    assert not read - listed, f"read by the app but missing from env.example: {read - listed}"
    assert not listed - read, f"in env.example but never read by the app: {listed - read}"


def test_env_example_holds_production_values():
    env = env_example()
    assert env["APP_ENV"] == "production"
    # Empty on purpose: the app refuses to start until the operator sets a real key.
    assert env["SECRET_KEY"] == ""
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert env["REDIS_URL"].startswith("redis://")
    assert env["BEHIND_PROXY"] == "1"
    assert env["UPLOAD_MAX_MB"] == str(Config.UPLOAD_MAX_MB)


def test_env_example_reads_the_same_in_a_shell():
    """Operators load it with `set -a; . /etc/ipp/ipp.env`: quoting must survive that."""
    shown = subprocess.run(
        ["bash", "-c", 'set -a; . "$1"; set +a; printf "%s\\n" "$AUTH_RATE_LIMIT" '
         '"$MAIL_DEFAULT_SENDER"', "-", str(DEPLOY / "env.example")],
        env={"PATH": os.environ["PATH"]}, capture_output=True, text=True, check=True)
    rate, sender = shown.stdout.splitlines()
    assert rate == Config.AUTH_RATE_LIMIT
    assert sender.endswith("<ipp-noreply@example.gov.cn>")


@pytest.mark.parametrize("script", SHELL_SCRIPTS, ids=lambda p: p.name)
def test_shell_scripts_parse_and_stop_on_errors(script):
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    assert "set -euo pipefail" in script.read_text(encoding="utf-8")
    assert os.access(script, os.X_OK), f"{script.name} is not executable"


def test_scripts_cover_backup_and_restore():
    assert {BACKUP, RESTORE} <= set(SHELL_SCRIPTS)


def test_nginx_lets_the_largest_allowed_upload_through():
    conf = (DEPLOY / "nginx" / "ipp.conf").read_text(encoding="utf-8")
    limit = int(re.search(r"client_max_body_size\s+(\d+)m;", conf).group(1))
    # The app takes UPLOAD_MAX_MB plus 1 MB of form (MAX_CONTENT_LENGTH) and answers larger
    # bodies with its own page; nginx must not cut them off first.
    assert limit * 1024 * 1024 > Config.MAX_CONTENT_LENGTH


def test_gunicorn_and_nginx_agree_on_the_timeout():
    settings: dict = {}
    exec(compile((DEPLOY / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"),
         settings)
    conf = (DEPLOY / "nginx" / "ipp.conf").read_text(encoding="utf-8")
    read_timeout = int(re.search(r"proxy_read_timeout\s+(\d+)s;", conf).group(1))
    assert settings["timeout"] == read_timeout
    assert f"server {settings['bind']} " in conf


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_accepts_the_configuration(tmp_path):
    """nginx -t on the example, with its paths moved to a scratch directory."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=ipp.example.gov.cn", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    site = (DEPLOY / "nginx" / "ipp.conf").read_text(encoding="utf-8")
    site = (site.replace("/etc/ssl/ipp/fullchain.pem", str(cert))
            .replace("/etc/ssl/ipp/privkey.pem", str(key))
            .replace("/var/log/nginx/", f"{tmp_path}/")
            .replace("/var/cache/nginx/ipp", str(tmp_path / "cache"))
            .replace(SNIPPET_INSTALLED, str(PORTAL_CACHE)))
    assert str(PORTAL_CACHE) in site and str(tmp_path / "cache") in site
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n include /etc/nginx/mime.types;\n include {tmp_path}/site.conf;\n}}\n",
        encoding="utf-8")
    checked = subprocess.run(["nginx", "-t", "-q", "-c", str(tmp_path / "nginx.conf")],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


# --- The public portal's page cache (deploy/nginx/ipp-portal-cache.conf) ---------------

CACHEABLE = ["/", "/public/", "/public/notices/", "/public/notice/12", "/public/publicity/7"]
PERSONAL = ["/public/status", "/public/objection", "/public/publicity/7/object",
            "/public/signin", "/login/", "/workbench/", "/public/notice/12/x",
            "/public/publicityx/7", "/lang/en", "/api/v1/records/"]


def _directive(conf: str, name: str) -> list[str]:
    return [m.group(1).split() for m in re.finditer(rf"^\s*{name}\s+([^;]+);", conf, re.M)]


def test_the_portal_cache_is_included_in_the_https_server_only():
    site = SITE.read_text(encoding="utf-8")
    https = site[site.index("listen 443"):]
    assert f"include {SNIPPET_INSTALLED};" in https
    assert site.count(SNIPPET_INSTALLED) == 1
    zone = re.search(r"keys_zone=(\w+):", site).group(1)
    assert _directive(PORTAL_CACHE.read_text(encoding="utf-8"), "proxy_cache") == [[zone]]
    # Set-Cookie, Cache-Control and Vary from the app must stay in force.
    assert "proxy_ignore_headers" not in site + PORTAL_CACHE.read_text(encoding="utf-8")


def test_the_portal_cache_keeps_only_the_public_pages():
    rules = PORTAL_CACHE.read_text(encoding="utf-8")
    pattern = re.search(r'if \(\$uri ~ "([^"]+)"\)', rules).group(1)
    assert [p for p in CACHEABLE if not re.fullmatch(pattern, p)] == []
    assert [p for p in PERSONAL if re.search(pattern, p)] == []
    # Everything starts uncacheable; only that test clears the flag.
    assert "set $ipp_portal_skip 1;" in rules


def test_the_portal_cache_is_bypassed_by_anything_personal():
    rules = PORTAL_CACHE.read_text(encoding="utf-8")
    from flask import Flask
    from flask_login.config import COOKIE_NAME

    cookies = {"$cookie_" + getattr(Config, "SESSION_COOKIE_NAME",
                                    Flask.default_config["SESSION_COOKIE_NAME"]),
               "$cookie_" + getattr(Config, "REMEMBER_COOKIE_NAME", COOKIE_NAME)}
    for directive in ("proxy_cache_bypass", "proxy_no_cache"):
        (variables,) = _directive(rules, directive)
        assert {"$ipp_portal_skip", "$http_authorization", *cookies} <= set(variables), \
            directive
    assert _directive(rules, "proxy_cache_lock") == [["on"]]
    assert _directive(rules, "proxy_cache_revalidate") == [["on"]]
    assert "updating" in _directive(rules, "proxy_cache_use_stale")[0]
    assert _directive(rules, "add_header")[0][:2] == ["X-Cache-Status", "$upstream_cache_status"]


def test_the_cacheable_addresses_are_the_apps_public_pages(app):
    adapter = app.url_map.bind("localhost")
    endpoints = {adapter.match(path)[0] for path in CACHEABLE}
    assert endpoints == {"HomeView.index", "PublicPortalView.home", "PublicPortalView.notices",
                         "PublicPortalView.notice", "PublicPortalView.publicity"}


def test_an_anonymous_visitor_gets_the_list_without_a_cookie(app, admin_client):
    """nginx stores no response with Set-Cookie: the list must not set one for a visitor who
    came without a session, or the cache would never hold it."""
    from app.extensions import db
    from app.models import PublicityBatch, ReportingActivity

    with app.app_context():
        activity = db.session.query(ReportingActivity).order_by(ReportingActivity.id).first()
        batch = PublicityBatch(activity_id=activity.id, title="缓存测试公示",
                               status="published", days=5)
        db.session.add(batch)
        db.session.commit()
        batch_id = batch.id
    try:
        visitor = app.test_client(use_cookies=False)
        for path in (f"/public/publicity/{batch_id}", f"/public/publicity/{batch_id}?q=x"):
            page = visitor.get(path)
            assert page.status_code == 200
            assert "Set-Cookie" not in page.headers
            assert page.cache_control.public and page.cache_control.max_age == 60
            again = visitor.get(path, headers={"If-None-Match": page.headers["ETag"]})
            assert again.status_code == 304 and "Set-Cookie" not in again.headers
        # A signed-in user's session carries on as before.
        assert admin_client.get(f"/public/publicity/{batch_id}").status_code == 200
        assert admin_client.get("/workbench/").status_code == 200
    finally:
        with app.app_context():
            db.session.delete(db.session.get(PublicityBatch, batch_id))
            db.session.commit()


class _Upstream:
    """A stand-in app: every answer says `public, max-age=60` and counts itself, so a
    repeated body means nginx answered from its cache."""

    def __init__(self):
        import http.server
        import itertools
        import threading

        served = itertools.count(1)

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def answer(self):
                body = f"{self.command} {self.path} #{next(served)}".encode()
                self.send_response(200)
                age = 1 if "brief" in self.path else 60
                self.send_header("Cache-Control", f"public, max-age={age}")
                if "setcookie" in self.path:
                    self.send_header("Set-Cookie", "session=fresh; HttpOnly; Path=/")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")  # so that stopping it stops it
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = answer

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_keeps_anonymous_public_pages_and_nothing_personal(tmp_path):
    """The shipped rules on a real nginx (as benchmarks/public_list.py --nginx runs it)."""
    import http.client

    from benchmarks.nginx_front import Nginx

    upstream = _Upstream()
    try:
        with Nginx(tmp_path, _free_port(), f"127.0.0.1:{upstream.port}") as front:
            def get(path, **headers):
                status, answer, body = front.get(path, headers)
                assert status == 200
                return answer.get("x-cache-status"), body

            page = "/public/publicity/7?q=abc"
            first, kept = get(page)
            assert (first, get(page)) == ("MISS", ("HIT", kept))
            assert get("/public/publicity/7?q=abd")[1] != kept  # the query is in the key
            for path in CACHEABLE:
                get(path)
                assert get(path)[0] == "HIT", path
            # A session, a remember cookie or an API key: the app answers, nothing is kept.
            for headers in ({"Cookie": "session=signed.in"}, {"Cookie": "remember_token=1|x"},
                            {"Authorization": "Bearer ipp_key"}):
                status, body = get(page, **headers)
                assert status == "BYPASS" and body != kept, headers
            assert get(page) == ("HIT", kept)
            # Personal pages are never kept, even for anonymous visitors.
            for path in PERSONAL:
                answers = [get(path) for _ in range(2)]
                assert answers[0][1] != answers[1][1], path
                assert {status for status, _ in answers} == {"BYPASS"}, path
            # A response that sets a cookie is not kept.
            assert [get("/public/notices/?setcookie=1")[0] for _ in range(2)] == ["MISS"] * 2
            # POSTs go to the app every time.
            connection = http.client.HTTPConnection("127.0.0.1", front.listen, timeout=10)
            bodies = set()
            for _ in range(2):
                connection.request("POST", page, body=b"x=1")
                bodies.add(connection.getresponse().read())
            assert len(bodies) == 2
            # Purging as docs/DEPLOY.md says: the next request goes to the app.
            front.purge()
            assert get(page)[0] == "MISS"
            # An expired page is still served while the app is down.
            brief = "/public/notices/?brief=1"  # kept 1 s
            first, kept_brief = get(brief)
            assert first == "MISS"
            time.sleep(2.5)  # nginx counts whole seconds
            upstream.server.shutdown()
            upstream.server.server_close()
            for _ in range(2):
                status, body = get(brief)
                assert status in ("STALE", "UPDATING") and body == kept_brief, status
    finally:
        upstream.server.shutdown()


# --- A real backup and restore (PostgreSQL) -------------------------------------------

PROBE_USER, PROBE_PASSWORD = "backup_probe", "Probe#2026restore"


def _clean_environment(**settings: str) -> dict[str, str]:
    """This process's environment without any app setting, plus the given ones."""
    env = {k: v for k, v in os.environ.items() if k not in variables_the_app_reads()}
    env.update(settings)
    return env


def _run(args, env, check=True):
    done = subprocess.run([str(a) for a in args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    if check:
        assert done.returncode == 0, f"{args[0]} failed:\n{done.stdout}\n{done.stderr}"
    return done


def _flask(*args, env):
    return _run([sys.executable, "-m", "flask", "--app", "app", *args], env)


def _snapshot(url: str) -> dict:
    """Row counts of every table, plus rows that must come back exactly."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            counts = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar()
                      for t in tables}
            user = conn.execute(text(
                "SELECT username, email, password, active FROM ab_user WHERE username = :u"),
                {"u": PROBE_USER}).one()
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            audit = conn.execute(text(
                "SELECT count(*) FROM audit_log WHERE object_repr LIKE :u OR detail LIKE :u"
            ), {"u": f"%{PROBE_USER}%"}).scalar()
        return {"counts": counts, "user": tuple(user), "version": version, "audit": audit}
    finally:
        engine.dispose()


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def scratch_databases(database_url):
    """Two empty databases on the test server, dropped afterwards whatever happens."""
    url = make_url(normalize_database_url(database_url))
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    names = [f"ipp_backup_{kind}_{uuid.uuid4().hex[:8]}" for kind in ("source", "restored")]
    with server.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield [url.set(database=name).render_as_string(hide_password=False) for name in names]
    with server.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.mark.postgres
def test_backup_restores_database_and_files(scratch_databases, tmp_path):
    source_url, restored_url = scratch_databases
    uploads, backups = tmp_path / "uploads", tmp_path / "backups"
    app_settings = {"APP_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48),
                    "UPLOAD_FOLDER": str(uploads)}

    # A database as an operator makes one: migrations and reference data, then an account
    # (its row, role link and audit rows), and files as the app stores them.
    source_env = _clean_environment(DATABASE_URL=source_url, **app_settings)
    _flask("setup", env=source_env)
    _flask("user", "create", "--username", PROBE_USER, "--password", PROBE_PASSWORD,
           "--role", "ProvinceAdmin", "--email", "probe@example.gov.cn", "--region", "21",
           env=source_env)
    (uploads / "letters").mkdir(parents=True)
    (uploads / "letters" / "7-scan.pdf").write_bytes(b"%PDF-1.4 stamped scan\n" * 50)
    (uploads / "batches").mkdir()
    (uploads / "batches" / "3-abc.xlsx").write_bytes(os.urandom(4096))
    before = _snapshot(source_url)
    assert before["counts"]["region"] == 3351 and before["audit"] >= 1

    # Retention: a backup older than RETENTION_DAYS goes, anything else in the folder stays.
    backups.mkdir()
    old = backups / "ipp-db-20000101-000000.dump"
    old.write_bytes(b"old")
    month_ago = time.time() - 30 * 86400
    os.utime(old, (month_ago, month_ago))
    (backups / "README").write_text("operator's note", encoding="utf-8")

    _run(["bash", BACKUP], _clean_environment(
        DATABASE_URL=source_url, UPLOAD_FOLDER=str(uploads), BACKUP_DIR=str(backups),
        RETENTION_DAYS="14"))
    dumps = sorted(backups.glob("ipp-db-*.dump"))
    tarballs = sorted(backups.glob("ipp-files-*.tar.gz"))
    assert len(dumps) == 1 and len(tarballs) == 1, sorted(p.name for p in backups.iterdir())
    assert not old.exists() and (backups / "README").exists()
    assert not list(backups.glob(".*.partial"))
    assert oct(dumps[0].stat().st_mode & 0o777) == "0o600"

    # Restore into the other, empty database and a folder that does not exist yet.
    restored_uploads = tmp_path / "restored-uploads"
    restore_env = _clean_environment(DATABASE_URL=restored_url,
                                     UPLOAD_FOLDER=str(restored_uploads))
    _run(["bash", RESTORE, dumps[0], tarballs[0]], restore_env)

    after = _snapshot(restored_url)
    assert after == before
    assert _files(restored_uploads) == _files(uploads)

    # The restored database is one the app runs on: nothing to migrate or load, and the
    # account signs in with its password (hash, role and region came back).
    restored_env = _clean_environment(DATABASE_URL=restored_url, **app_settings)
    assert "0 regions, 0 banks, 0 roles" in _flask("setup", env=restored_env).stdout
    restored_app = make_test_app(restored_url)
    response = login(restored_app.test_client(), PROBE_USER, PROBE_PASSWORD)
    assert response.status_code == 302 and response.location.endswith("/")
    with restored_app.app_context():
        from app.extensions import db

        db.engine.dispose()

    # The audit log's append-only triggers came back with the tables.
    engine = create_engine(restored_url)
    try:
        with pytest.raises(Exception, match="(?i)audit"), engine.begin() as conn:
            conn.execute(text("UPDATE audit_log SET action = 'forged'"))
    finally:
        engine.dispose()

    # A second restore over the now-populated database is refused and changes nothing.
    current = _snapshot(restored_url)
    again = _run(["bash", RESTORE, dumps[0]], restore_env, check=False)
    assert again.returncode != 0 and "empty database" in again.stderr
    assert _snapshot(restored_url) == current
