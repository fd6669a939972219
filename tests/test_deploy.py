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
            .replace("/var/log/nginx/", f"{tmp_path}/"))
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n include /etc/nginx/mime.types;\n include {tmp_path}/site.conf;\n}}\n",
        encoding="utf-8")
    checked = subprocess.run(["nginx", "-t", "-q", "-c", str(tmp_path / "nginx.conf")],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


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
