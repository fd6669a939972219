"""The region switch of the top bar: a province or city user narrows every list, chart and
export to one of its cities or counties, and back. It is kept in the session and read by
``app.security.scope.current_scope``, which ignores a region outside the user's own area:
the switch can only narrow (SPEC §2)."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.i18n import current_language
from app.models import Region
from app.security.scope import ALL, FOCUS_KEY, REGION, current_scope, narrowed, scope_of
from app.views.shell.kept_fragments import rendered_fields


def _base_region() -> str | None:
    """The user's own area, before any switch: its region, the deployment's province for a
    user who sees everything, none for enterprises and banks."""
    scope = scope_of(getattr(g, "user", None))
    if scope.kind == REGION:
        return scope.region_code
    if scope.kind == ALL:
        return current_app.config["PROVINCE_CODE"]
    return None


def focus_menu() -> dict | None:
    """What the top bar shows: the area in force and the regions one level down to switch
    to; None for users without a region (enterprises, banks). Kept per process: region
    names hardly ever change."""
    base = _base_region()
    if base is None:
        return None
    scope = current_scope()
    shown = scope.region_code if scope.kind == REGION else base
    key = repr(("focus menu", base, shown, current_language()))
    menu = rendered_fields.get(key)
    if menu is None:
        names = {r.code: r.label() for r in db.session.execute(select(Region).where(
            Region.parent_code == base)).scalars()} if len(base) < 6 else {}
        regions = {r.code: r for r in db.session.execute(select(Region).where(
            Region.code.in_({base, shown}))).scalars()}
        current = regions.get(shown)
        menu = {"base": base, "base_name": regions[base].label() if base in regions else base,
                "current": shown, "current_name": current.full_label() if current else shown,
                "narrowed": shown != base, "choices": sorted(names.items())}
        rendered_fields.set(key, menu, timeout=3600)
    return menu


def _back() -> str:
    target = request.referrer or ""
    parsed = urlparse(target)
    if parsed.netloc and parsed.netloc != request.host:
        return url_for("WorkbenchView.index")
    # a list kept its page number: start again from the first page of the narrowed list
    return parsed.path or url_for("WorkbenchView.index")


class FocusView(BaseView):
    route_base = "/focus"
    default_view = "set"

    @expose("/set", methods=["POST"])
    @has_access
    def set(self):
        region = (request.form.get("region") or "").strip()
        base = scope_of(g.user)
        if not region:
            session.pop(FOCUS_KEY, None)
        elif narrowed(base, region) == base:
            flash(_("That region is outside your area: the view was not changed."), "warning")
        else:
            session[FOCUS_KEY] = region
        return redirect(_back())
