"""Innovation Points Platform (创新积分制管理平台): the application factory."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from config import BASE_DIR, INSTANCE_DIR, Config, check_secret_key


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_object(Config)
    if overrides:
        app.config.update(overrides)
    check_secret_key(app.config)
    # The embedded SQLite database and uploads live here; nothing to set up by hand.
    INSTANCE_DIR.mkdir(exist_ok=True)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from flask_appbuilder import AppBuilder

    from app import models  # noqa: F401  (every model on the shared metadata)
    from app.extensions import cache, csrf, db, migrate
    from app.security import roles
    from app.security.policy import validate_password
    from app.security.session import HttpsAwareSessionInterface
    from app.services.platform import audit
    from app.services.platform.data_versions import DataVersions
    from app.views.menu import menu_permissions, register_views
    from app.views.shell.kept_fragments import rendered_fields

    app.config["FAB_ROLES"] = roles.builtin_roles(menu_permissions())
    app.config["FAB_PASSWORD_COMPLEXITY_VALIDATOR"] = validate_password
    app.config["APP_NAME"] = _l("Innovation Points Platform")
    app.session_interface = HttpsAwareSessionInterface()
    if app.config["BEHIND_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    db.init_app(app)
    cache.init_app(app)
    rendered_fields.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"),
                     render_as_batch=True, compare_type=True)
    # Before FAB, so that FAB exempts its token-authenticated API blueprints.
    csrf.init_app(app)
    audit.install()
    with app.app_context():
        versions = DataVersions(cache.cache, db.metadata.tables)
        versions.install(db.engine)
        app.extensions["data_versions"] = versions
        appbuilder = AppBuilder()
        appbuilder.init_app(app, db.session)
        from app.api.records import RecordApi

        appbuilder.add_api(RecordApi)
        register_views(appbuilder)
        appbuilder.post_init()

    from app.views.platform.health import health

    app.register_blueprint(health)
    _register_release(app)
    _register_template_helpers(app)
    _register_error_pages(app)
    _register_security_headers(app)
    from app.commands import register_commands

    register_commands(app)
    return app


def _register_release(app: Flask) -> None:
    """The release's fingerprint for kept entries' keys, and versioned static URLs."""
    from app.release import StaticVersions, fingerprint

    app.config.setdefault("RELEASE", fingerprint([BASE_DIR / "app", BASE_DIR / "translations"]))
    static_versions = StaticVersions(app.static_folder)

    @app.url_defaults
    def versioned_static(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values:
            version = static_versions.of(values.get("filename", ""))
            if version:
                values["v"] = version


def _register_error_pages(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    def page(code: int, title, message):
        from flask import g
        from flask_login import current_user

        if not hasattr(g, "user"):  # refused before FAB's before_request ran (CSRF)
            g.user = current_user
        return render_template("error.html", code=code, title=title, message=message,
                               base_template=app.appbuilder.base_template,
                               appbuilder=app.appbuilder), code

    @app.errorhandler(404)
    def not_found(_e):
        return page(404, _l("Not found"),
                    _l("The page or record does not exist, or it is outside your area. "
                       "Go back to the list and choose again."))

    @app.errorhandler(403)
    def forbidden(_e):
        return page(403, _l("Not allowed"),
                    _l("Your role may not open this page. Ask your administrator if you need it."))

    @app.errorhandler(CSRFError)
    def csrf_error(_e):
        return page(400, _l("Form expired"),
                    _l("The form was open too long or came from another page. Reload the "
                       "page and submit it again."))

    @app.errorhandler(413)
    def too_large(_e):
        return page(413, _l("File too large"),
                    _l("The file is larger than %(mb)d MB. Split it into smaller files and "
                       "upload them one by one.", mb=app.config["UPLOAD_MAX_MB"]))

    @app.errorhandler(429)
    def too_many(_e):
        return page(429, _l("Too many attempts"),
                    _l("Too many attempts from your address. Wait a minute and try again."))

    @app.errorhandler(500)
    def server_error(_e):
        return page(500, _l("Something went wrong"),
                    _l("The platform could not finish this request and nothing was changed. "
                       "Try again; if it happens again, tell your administrator the time."))


def _register_template_helpers(app: Flask) -> None:
    from app.domain import display
    from app.views.shell import chrome, names

    app.jinja_env.filters.update(display.FILTERS)
    app.jinja_env.filters.update(names.FILTERS)
    app.context_processor(chrome.template_helpers)


def _register_security_headers(app: Flask) -> None:
    # CSP with a per-request script nonce, frame, sniffing and referrer headers.
    from app.security import headers

    headers.install(app)
