"""List tables kept until the data under them changes.

Officials page through the same lists all day (their review queue, the records of their
area); most requests show exactly what the previous one showed. The list table of a
view's own list page — rows, pagination, counts — is kept in the cache store (Redis in
production) under a key of everything it depends on besides the data: the view, the
address with its filters, order and page, the user (and so the scope and the roles that
decide which buttons show), the language, the day and the release (app/release.py: Redis
outlives an upgrade, and the new release's templates may differ). Beside the HTML it keeps the
versions of the tables that were read to build it (services/data_versions.py), and it
is served again only while every one of those versions is unchanged: the first commit
that writes to any of them (an approval, an upload, a correction, a renamed region)
makes it be built anew. What is made per request is not kept: the table's forms get
the current session's CSRF token, and its scripts the current response's CSP nonce.

Versions must be shared by every process that writes, so the cache is used only with
Redis (``REDIS_URL``), or when ``LIST_CACHE_ONE_PROCESS`` says the app is one process.
``LIST_CACHE_SECONDS`` bounds how long an entry lives at all (0 turns the cache off);
writes made outside the application (by hand in psql) show once it has passed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from flask import current_app, g, request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app.i18n import current_language
from app.security.scope import current_scope
from app.views.shell.kept_fragments import NONCE_MARK, with_nonce, without_nonce

log = logging.getLogger(__name__)
CSRF_MARK = "\u2063kept-csrf-token\u2063"  # invisible separators: never in real output
__all__ = ["CSRF_MARK", "NONCE_MARK", "kept_list_widgets", "kept_while_unchanged",
           "list_cache_seconds"]


def _marked(html: str) -> str:
    """Kept HTML carries marks where this request's CSRF token and CSP nonce were."""
    return without_nonce(html.replace(generate_csrf(), CSRF_MARK))


def _unmarked(html: str) -> Markup:
    return Markup(with_nonce(html).replace(CSRF_MARK, generate_csrf()))  # noqa: S704


def list_cache_seconds() -> int:
    config = current_app.config
    shared = config.get("CACHE_TYPE") == "RedisCache" or config.get("LIST_CACHE_ONE_PROCESS")
    return int(config.get("LIST_CACHE_SECONDS") or 0) if shared else 0


def kept_while_unchanged(key: str, tables: tuple[str, ...], compute):
    """A small per-page value (the unread count of the navigation bar), kept like the
    tables: until a commit writes to one of ``tables``."""
    seconds = list_cache_seconds()
    if not seconds:
        return compute()
    return current_app.extensions["data_versions"].remembered(key, tables, compute, seconds)


def _key(view) -> str | None:
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    parts = (current_app.config["RELEASE"], type(view).__name__, request.path, user.id,
             current_scope(), tuple(sorted(role.name for role in user.roles)),
             current_language(), dt.date.today().isoformat(),
             tuple(sorted(request.args.items(multi=True))))
    return "list:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _is_own_list_page(view) -> bool:
    return request.method == "GET" and request.endpoint == f"{type(view).__name__}.list"


def kept_list_widgets(view, build):
    """FAB's list widgets for ``view`` (``build()``), with the list table kept."""
    seconds = list_cache_seconds()
    key = _key(view) if seconds and _is_own_list_page(view) else None
    if key is None:
        return build()
    versions = current_app.extensions["data_versions"]
    store = versions.store
    try:
        entry = store.get(key)
        if entry is not None and versions.current(entry["versions"]) == entry["versions"]:
            html = _unmarked(entry["html"])
            return {"list": lambda **_kwargs: html}
        before = versions.snapshot()
    except Exception:  # noqa: BLE001 — a store that does not answer: build as usual
        log.warning("list cache unavailable; the list is built", exc_info=True)
        return build()
    read: set[str] = set()
    with versions.reading(read):
        widgets = build()
    table = widgets["list"]

    def render_and_keep(**kwargs):
        with versions.reading(read):
            html = table(**kwargs)
        if read <= before.keys():  # a table without a version is never kept
            entry = {"versions": {name: before[name] for name in read},
                     "html": _marked(str(html))}
            try:
                store.set(key, entry, timeout=seconds)
            except Exception:  # noqa: BLE001
                log.warning("list cache unavailable; the list is not kept", exc_info=True)
        return html

    widgets["list"] = render_and_keep
    return widgets
