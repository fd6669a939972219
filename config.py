"""Configuration, overridable from the environment.

Every setting a deployment changes is read from an environment variable of the
same name; docs/DEPLOY.md lists them. Nothing here touches the database.
"""

import os
from pathlib import Path

import flask_appbuilder
from flask_appbuilder.security.manager import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

# Known, public development key: refused everywhere but APP_ENV=development/testing.
DEV_SECRET_KEY = "dev-only-insecure-key-change-me"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def normalize_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    APP_ENV = os.environ.get("APP_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)

    SQLALCHEMY_DATABASE_URI = normalize_database_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'app.db'}"
    )
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL") or None

    # The deployment's province (GB/T 2260, 2 digits); the whole country stays loaded.
    PROVINCE_CODE = os.environ.get("PROVINCE_CODE", "21")

    # Uploads
    UPLOAD_MAX_MB = int(os.environ.get("UPLOAD_MAX_MB", "20"))
    UPLOAD_MAX_ROWS = int(os.environ.get("UPLOAD_MAX_ROWS", "100000"))
    # Request bodies may carry a little form overhead beyond the file itself.
    MAX_CONTENT_LENGTH = (max(UPLOAD_MAX_MB, int(os.environ.get("EVIDENCE_MAX_MB", "20")))
                          + 1) * 1024 * 1024
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))

    # Evidence files (佐证材料, SPEC §12.2): local disk under UPLOAD_FOLDER/evidence by
    # default; EVIDENCE_STORAGE=s3 keeps them in an S3-compatible bucket (MinIO, OSS, COS…).
    EVIDENCE_STORAGE = os.environ.get("EVIDENCE_STORAGE", "local")
    EVIDENCE_MAX_MB = int(os.environ.get("EVIDENCE_MAX_MB", "20"))
    EVIDENCE_RECORD_MAX_MB = int(os.environ.get("EVIDENCE_RECORD_MAX_MB", "200"))
    S3_BUCKET = os.environ.get("S3_BUCKET", "")
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL") or None
    S3_ACCESS_KEY = os.environ.get("S3_ACCESS_KEY") or None
    S3_SECRET_KEY = os.environ.get("S3_SECRET_KEY") or None
    S3_REGION = os.environ.get("S3_REGION") or None
    S3_URL_SECONDS = int(os.environ.get("S3_URL_SECONDS", "300"))  # signed download links

    # 公示, 异议, 公告 (SPEC §12.3): the holiday calendar (ISO dates, comma-separated), make-up
    # working days, the registration number's pattern, and objections an address may lodge
    # an hour.
    PUBLICITY_HOLIDAYS = [d for d in os.environ.get("PUBLICITY_HOLIDAYS", "").split(",") if d]
    PUBLICITY_WORKDAYS = [d for d in os.environ.get("PUBLICITY_WORKDAYS", "").split(",") if d]
    REGISTRATION_NUMBER_PATTERN = os.environ.get("REGISTRATION_NUMBER_PATTERN",
                                                 "{year}{region6}{seq:06d}")
    OBJECTIONS_PER_HOUR = int(os.environ.get("OBJECTIONS_PER_HOUR", "10"))

    # Language: Chinese by default, English complete.
    BABEL_DEFAULT_LOCALE = os.environ.get("DEFAULT_LANGUAGE", "zh")
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {
        "zh": {"flag": "cn", "name": "中文"},
        "en": {"flag": "gb", "name": "English"},
    }
    BABEL_TRANSLATION_DIRECTORIES = ";".join(
        [
            str(Path(flask_appbuilder.__file__).parent / "translations"),
            str(BASE_DIR / "translations"),
        ]
    )

    # Flask-AppBuilder
    AUTH_TYPE = AUTH_DB
    AUTH_ROLE_ADMIN = "Admin"
    AUTH_ROLE_PUBLIC = "Public"
    AUTH_USER_REGISTRATION = False
    FAB_CREATE_DB = False  # Alembic owns the schema
    FAB_UPDATE_PERMS = False  # `flask setup` writes permissions once, never at start-up
    FAB_SECURITY_MANAGER_CLASS = "app.views.platform.security.AppSecurityManager"
    FAB_ADD_SECURITY_API = False
    FAB_API_SWAGGER_UI = True  # serves the OpenAPI spec at /api/v1/_openapi
    FAB_API_KEY_ENABLED = True
    FAB_API_KEY_PREFIXES = ["ipp_"]
    FAB_ADD_SECURITY_PERMISSION_VIEW = False
    FAB_ADD_SECURITY_VIEW_MENU_VIEW = False
    FAB_ADD_SECURITY_PERMISSION_VIEWS_VIEW = False
    FAB_PASSWORD_COMPLEXITY_ENABLED = True
    FAB_BASE_TEMPLATE = "base_layout.html"
    FAB_INDEX_VIEW = "app.views.publicity.home.HomeView"
    APP_ICON = ""
    PAGE_SIZE = 20

    # Login throttling: per client address, and a temporary lock per account.
    AUTH_RATE_LIMITED = _env_bool("AUTH_RATE_LIMITED", True)
    AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "10 per 1 minute")
    RATELIMIT_ENABLED = AUTH_RATE_LIMITED
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    # Redis down must not lock everyone out: count in memory meanwhile (per process).
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
    LOGIN_LOCK_MINUTES = int(os.environ.get("LOGIN_LOCK_MINUTES", "15"))

    # Cookies: Secure is added per request when served over HTTPS (see app.security.session).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    # Trust X-Forwarded-* from one reverse proxy (nginx) in front of gunicorn.
    BEHIND_PROXY = _env_bool("BEHIND_PROXY", False)

    # Notifications by e-mail too when a mail server is set.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "noreply@localhost")
    # One-time codes of the portal's status query by SMS: "log" writes them to the log
    # (development; nothing is sent), "http" posts {"to", "text"} as JSON to SMS_HTTP_URL.
    SMS_BACKEND = os.environ.get("SMS_BACKEND", "log")
    SMS_HTTP_URL = os.environ.get("SMS_HTTP_URL", "")
    SMS_HTTP_TOKEN = os.environ.get("SMS_HTTP_TOKEN", "")

    # 报送国家 (SPEC §12.5): "file" (the package, uploaded by hand) or "http" (each record
    # POSTed to the national interface, HMAC-SHA256 signed, retried with backoff).
    NATIONAL_CHANNEL = os.environ.get("NATIONAL_CHANNEL", "file")
    NATIONAL_PUSH_URL = os.environ.get("NATIONAL_PUSH_URL", "")
    NATIONAL_PUSH_KEY_ID = os.environ.get("NATIONAL_PUSH_KEY_ID", "")
    NATIONAL_PUSH_SECRET = os.environ.get("NATIONAL_PUSH_SECRET", "")
    NATIONAL_PUSH_TIMEOUT = float(os.environ.get("NATIONAL_PUSH_TIMEOUT", "30"))
    NATIONAL_PUSH_MAX_ATTEMPTS = int(os.environ.get("NATIONAL_PUSH_MAX_ATTEMPTS", "8"))
    NATIONAL_PUSH_BACKOFF_SECONDS = float(os.environ.get("NATIONAL_PUSH_BACKOFF_SECONDS", "30"))
    NATIONAL_PUSH_BACKOFF_MAX_SECONDS = float(
        os.environ.get("NATIONAL_PUSH_BACKOFF_MAX_SECONDS", "1800"))

    # A score run's cohort figures behind the profile page's ranks and radar medians are kept
    # this long (they change only when a run is made or confirmed); 0 keeps nothing.
    PROFILE_CACHE_SECONDS = int(os.environ.get("PROFILE_CACHE_SECONDS", str(24 * 3600)))

    # Dashboard figures are kept this long per user scope (the page says when they were
    # counted and can count again): 0 counts on every request. Kept in Redis when set.
    DASHBOARD_CACHE_SECONDS = int(os.environ.get("DASHBOARD_CACHE_SECONDS", "60"))
    CACHE_TYPE = "RedisCache" if REDIS_URL else "SimpleCache"
    CACHE_REDIS_URL = REDIS_URL
    CACHE_KEY_PREFIX = "ipp:"
    CACHE_DEFAULT_TIMEOUT = 300
    # The filter fields of list pages (a select of every region, activity, ...) are kept
    # this long per process (app/views/kept_fragments.py): 0 renders them every time.
    SEARCH_FIELDS_CACHE_SECONDS = int(os.environ.get("SEARCH_FIELDS_CACHE_SECONDS", "60"))

    # List tables are kept until a commit changes the tables they show, at most this long
    # (app/views/kept_lists.py): with Redis, or when LIST_CACHE_ONE_PROCESS says the app
    # runs as a single process. 0 builds every list on every request.
    LIST_CACHE_SECONDS = int(os.environ.get("LIST_CACHE_SECONDS", "300"))
    LIST_CACHE_ONE_PROCESS = _env_bool("LIST_CACHE_ONE_PROCESS", False)

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the session lifetime bounds it


def check_secret_key(config) -> None:
    """Refuse to run outside development with a missing, default or weak key."""
    if config.get("APP_ENV") in ("development", "testing"):
        return
    key = config.get("SECRET_KEY") or ""
    if key == DEV_SECRET_KEY or len(key) < 32:
        raise RuntimeError(
            "SECRET_KEY is missing, the development default, or shorter than 32 "
            "characters. Set SECRET_KEY to a long random value, e.g. "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`, "
            "or set APP_ENV=development on a development machine."
        )
