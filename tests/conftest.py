"""Test fixtures: one application per test session on a fresh database.

The database is SQLite unless TEST_DATABASE_URL names a PostgreSQL server, in
which case a throw-away database is created on it and dropped afterwards.
`make test` runs the suite once for each.
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from config import normalize_database_url

DEMO_PASSWORD = "Demo#2026"
ROLE_LOGINS = {
    "admin": "admin",
    "province": "province_admin",
    "city": "city_reviewer",
    "county": "county_reviewer",
    "enterprise": "enterprise_user",
    "bank": "bank_user",
}
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def _postgres_database():
    url = make_url(normalize_database_url(os.environ["TEST_DATABASE_URL"]))
    name = f"ipp_test_{uuid.uuid4().hex[:10]}"
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return url.set(database=name), server, name


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"):
        url, server, name = _postgres_database()
        yield url.render_as_string(hide_password=False)
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def make_test_app(database_url: str, **overrides):
    config = {
        "TESTING": True,
        "APP_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "AUTH_RATE_LIMITED": False,
        "RATELIMIT_ENABLED": False,
        # Tests read figures right after changing data; test_dashboard_cache turns it on.
        "DASHBOARD_CACHE_SECONDS": 0,
        # Lists are kept until a commit changes their tables (app/views/kept_lists.py): on
        # for the whole suite, so every test that changes data and reads a list checks that
        # the change is noticed. One process, so memory can hold the versions.
        "LIST_CACHE_ONE_PROCESS": True,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        # Batch files, letters and evidence of a test run stay out of the instance folder.
        "UPLOAD_FOLDER": tempfile.mkdtemp(prefix="ipp-test-uploads-"),
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(autouse=True)
def _postgres_only(request, database_url):
    """Tests marked `postgres` need real concurrent writers: SQLite has one writer at a time."""
    if request.node.get_closest_marker("postgres") and database_url.startswith("sqlite"):
        pytest.skip("needs PostgreSQL (runs in the PostgreSQL pass of `make test`)")


@pytest.fixture(scope="session")
def app(database_url):
    application = make_test_app(database_url)
    with application.app_context():
        from app.services.demo import load_demo
        from app.services.platform.setup import run_setup

        run_setup()
        load_demo()
    return application


@pytest.fixture
def db_session(app):
    from app.extensions import db

    with app.app_context():
        yield db.session
        db.session.rollback()


def csrf_token_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


def login(client, username: str, password: str = DEMO_PASSWORD, follow: bool = False):
    token = csrf_token_of(client.get("/login/").get_data(as_text=True))
    return client.post("/login/", data={"username": username, "password": password,
                                        "csrf_token": token}, follow_redirects=follow)


def logged_in_client(app, role: str):
    client = app.test_client()
    response = login(client, ROLE_LOGINS[role])
    assert response.status_code == 302 and response.location.endswith("/"), (
        f"{role} could not log in")
    return client


# One fixture per role, as Airflow's tests do.
@pytest.fixture
def admin_client(app):
    return logged_in_client(app, "admin")


@pytest.fixture
def province_client(app):
    return logged_in_client(app, "province")


@pytest.fixture
def city_client(app):
    return logged_in_client(app, "city")


@pytest.fixture
def county_client(app):
    return logged_in_client(app, "county")


@pytest.fixture
def enterprise_client(app):
    return logged_in_client(app, "enterprise")


@pytest.fixture
def bank_client(app):
    return logged_in_client(app, "bank")


@pytest.fixture
def client_as(app):
    return lambda role: logged_in_client(app, role)


def get_with_statements(app, client, url: str):
    """GET ``url``; the response and the SQL statements (whitespace folded) it caused."""
    from sqlalchemy import event

    from app.extensions import db

    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(re.sub(r"\s+", " ", statement))

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, url
    return response, seen


def post_form(client, page_url: str, post_url: str | None = None, data: dict | None = None,
              **kwargs):
    """Open a form page, then post to it with the page's CSRF token, as a browser would."""
    page = client.get(page_url)
    payload = {"csrf_token": csrf_token_of(page.get_data(as_text=True))}
    payload.update(data or {})
    return client.post(post_url or page_url, data=payload, **kwargs)
