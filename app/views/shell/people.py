"""Users by their real names (张伟, not zhangwei) where a page shows who did something: the
audit log, letters, batches, runs. The login stays readable beside it on hover."""

from __future__ import annotations

from markupsafe import Markup, escape
from sqlalchemy import select

from app.extensions import db
from app.models import AppUser
from app.views.shell.kept_fragments import rendered_fields

KEPT_SECONDS = 300  # a renamed user shows by the new name within five minutes


def _names() -> dict[str, str]:
    names = rendered_fields.get("real names")
    if names is None:
        names = {}
        for username, first, last in db.session.execute(select(
                AppUser.username, AppUser.first_name, AppUser.last_name)):
            first, last = (first or "").strip(), (last or "").strip()
            last = "" if last == "-" else last
            cjk = any("\u4e00" <= c <= "\u9fff" for c in first + last)
            names[username] = (f"{first}{last}" if cjk else f"{first} {last}".strip()) \
                or username
        rendered_fields.set("real names", names, timeout=KEPT_SECONDS)
    return names


def real_name(username: str | None) -> Markup | str:
    """The person's name, the login as its title; "—" for nobody, 系统 for the platform."""
    if not username:
        return "—"
    name = _names().get(username)
    if name is None or name == username:
        return username
    return Markup(f'<span title="{escape(username)}">{escape(name)}</span>')
