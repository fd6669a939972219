"""培育库名单 (SPEC §12.4): the members of each pool — current memberships with the day they
began — filtered by pool, city or county and technology field, exported to Excel; the
history (memberships that ended) is the same list at its own address, so that its search,
pages and export stay on the history. Officials see their own area."""

from __future__ import annotations

from flask import request, url_for
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import StringField

from app.domain import display
from app.i18n import current_language
from app.models import PoolMembership
from app.services.profiles import listing, search
from app.views.profiles.pool_evaluations import pool_choices
from app.views.profiles.search import ProfileInterface, profile_link, profile_quick_fields, quick
from app.views.shell import names
from app.views.shell.base import ScopedModelView, ScopeFilter


class Current(BaseFilter):
    """Memberships without an end day."""

    name = "current"

    def apply(self, query, value):
        return query.filter(self.model.until.is_(None))


class Ended(BaseFilter):
    name = "ended"

    def apply(self, query, value):
        return query.filter(self.model.until.is_not(None))


def annotate_members(items) -> None:
    shown = search.figures(item.enterprise_id for item in items)
    for item in items:
        item.uscc = item.enterprise.uscc
        item.tech_field = shown[item.enterprise_id].tech_field


class PoolMemberView(ScopedModelView):
    datamodel = ProfileInterface(PoolMembership, annotate=annotate_members)
    route_base = "/poolmembers"
    base_permissions = ["can_list", "can_export"]
    base_filters = [["id", ScopeFilter, lambda: None], ["until", Current, lambda: None]]
    history = False
    list_title = _l("Pool members")
    list_template = "profiles/pools_members.html"
    list_columns = ["enterprise", "uscc", "region_code", "pool", "tech_field", "since", "until"]
    order_columns = ["region_code", "since", "until"]
    search_columns = ["pool", "region_code", "since", "until", "enterprise_id"]
    search_form_extra_fields = {"enterprise_id": StringField(_l("Profile data"))}
    label_columns = {"enterprise": _l("Enterprise"), "uscc": _l("Unified social credit code"),
                     "region_code": _l("Region"), "pool": _l("Pool"),
                     "tech_field": _l("Technology field"), "since": _l("Member since"),
                     "until": _l("Left on"), "enterprise_id": _l("Profile data")}
    formatters_columns = {
        "enterprise": lambda e: e.name if e else "—",
        "region_code": lambda c: names.region_name(c, full=True),
        "pool": lambda p: listing.pool_name(p, current_language()) or "—",
        "tech_field": lambda v: names.option_label(v, "tech_field") or display.MISSING}
    shown_formatters = {"enterprise": lambda e: profile_link(e.name, e.uscc) if e else "—",
                        "since": display.day, "until": display.day}
    base_order = ("since", "desc")

    def quick_search(self) -> list:
        return [quick("select", 0, "pool", _("Pool"), pool_choices()),
                quick("region", 0, "region_code", _("Region")),
                *profile_quick_fields("enterprise_id", with_score=False)]

    def hidden_list_columns(self, filters) -> set[str]:
        return set() if self.history else {"until"}

    def history_links(self) -> dict:
        """The current members and the history, each with the search of this page."""
        query = request.query_string.decode()
        tail = f"?{query}" if query else ""
        return {"history": self.history, "current": url_for("PoolMemberView.list") + tail,
                "ended": url_for("PoolHistoryView.list") + tail}


class PoolHistoryView(PoolMemberView):
    """Memberships that ended: when and why each began and ended stays readable."""

    route_base = "/poolmembers/history"  # under its menu entry: the sidebar marks it
    base_filters = [["id", ScopeFilter, lambda: None], ["until", Ended, lambda: None]]
    history = True
    list_title = _l("Pool members: history")
    base_order = ("until", "desc")
