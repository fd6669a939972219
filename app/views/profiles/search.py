"""企业查询 (SPEC §12.4): enterprises found across their data years by name, credit code,
region, technology field, score band, pool, tag and reported year, in the list every other
screen uses (quick search, pages, Excel export of what is found); each row opens the
enterprise's profile. The pool lists use the same filters and row figures.

The profile conditions are FAB filters hung on the enterprise-id column (``id`` of an
enterprise, ``enterprise_id`` of a membership): FAB reads only ``_flt_<n>_<column>``
arguments of real columns, and this keeps pages, order and export working unchanged.
"""

from __future__ import annotations

from flask import g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.decorators import permission_name
from flask_appbuilder.widgets import ListWidget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import false
from wtforms import StringField

from app.domain import display
from app.domain.records.fields import REGISTRY
from app.i18n import current_language
from app.models import Enterprise, TagRule
from app.services.profiles import listing, search
from app.views.shell import names
from app.views.shell.base import ScopedModelView
from app.views.shell.filters import KeptFilterConverter, ListInterface
from app.views.shell.quick_search import QuickField


def profile_link(name, uscc) -> Markup:
    """The enterprise's profile page (企业画像), by its credit code."""
    return Markup('<a href="/profiles/{}">{}</a>').format(uscc, name)


class Allowed:
    """``view.allowed("can_confirm")`` for templates: asked at each rendering. (FAB's
    ``"can_x" | is_item_visible("View")`` with constant arguments is folded by Jinja when the
    template is compiled, with the first user's answer kept for everyone.)"""

    def allowed(self, permission: str, view_name: str | None = None) -> bool:
        return self.appbuilder.sm.has_access(permission,
                                             view_name or self.class_permission_name)


def quick(kind: str, index: int, column: str, label, options=None) -> QuickField:
    """A quick-search field written into FAB's filter argument ``_flt_<index>_<column>``."""
    name = f"_flt_{index}_{column}"
    return QuickField(kind, name, str(label), request.args.get(name, ""), list(options or []))


# -- filters over the enterprise-id column ------------------------------------------------
class _ProfileFilter(BaseFilter):
    def enterprise_column(self):
        return getattr(self.model, self.column_name)


class FilterTechField(_ProfileFilter):
    name = _l("Technology field is")
    arg_name = "ptf"

    def apply(self, query, value):
        return query.filter(search.tech_field_is(self.enterprise_column(), value))


class FilterScoreBand(_ProfileFilter):
    name = _l("Latest score in band")
    arg_name = "psb"

    def apply(self, query, value):
        return query.filter(search.score_band(self.enterprise_column(), value))


class FilterInPool(_ProfileFilter):
    name = _l("Currently in pool")
    arg_name = "ppl"

    def apply(self, query, value):
        try:
            pool_id = int(value)
        except (TypeError, ValueError):
            return query.filter(false())
        return query.filter(search.in_pool(self.enterprise_column(), pool_id))


class FilterReportedIn(_ProfileFilter):
    name = _l("Reported for data year")
    arg_name = "pry"

    def apply(self, query, value):
        try:
            year = int(value)
        except (TypeError, ValueError):
            return query.filter(false())
        return query.filter(search.reported_in(self.enterprise_column(), year))


class FilterHasTag(_ProfileFilter):
    """Applied after every other filter (``ProfileInterface``): the tag's rule is evaluated
    over the profiles those leave. FAB applies filters twice per page (count, then rows):
    the result is kept for the request."""

    name = _l("Has tag")
    arg_name = "ptg"

    def apply(self, query, value):
        try:
            tag_id = int(value)
        except (TypeError, ValueError):
            return query.filter(false())
        column = self.enterprise_column()
        candidates = query.with_entities(column).statement
        compiled = candidates.compile()
        key = (tag_id, str(compiled), repr(sorted(compiled.params.items())))
        kept = g.setdefault("_profile_tag_matches", {})
        if key not in kept:
            kept[key] = search.tag_matches(tag_id, candidates)
            match = kept[key]
            notes = g.get("profile_search_notes")
            if match.limited and notes is not None:
                notes.append(_("The tag filter read the profiles of the first %(read)s of "
                               "%(total)s enterprises that the other conditions leave. "
                               "Narrow the search (region, field, pool) to read them all.",
                               read=display.count(match.read),
                               total=display.count(match.total)))
        return query.filter(column.in_(kept[key].ids))


PROFILE_FILTERS = (FilterTechField, FilterScoreBand, FilterInPool, FilterHasTag,
                   FilterReportedIn)
TECH, BAND, POOL, TAG, YEAR = range(len(PROFILE_FILTERS))


class ProfileFilterConverter(KeptFilterConverter):
    def conversions(self, col_name):
        if col_name == ProfileInterface.enterprise_column_of(self.datamodel.obj):
            return [f(col_name, self.datamodel) for f in PROFILE_FILTERS]
        return super().conversions(col_name)


class AnnotatedInterface(ListInterface):
    """FAB's interface adding figures to the rows of a page (and of an export) with
    ``annotate(items)``: a few queries per thousand rows, not one per row."""

    def __init__(self, obj, annotate=None, session=None):
        super().__init__(obj, session)
        self._annotate = annotate

    def query(self, *args, **kwargs):
        count, items = super().query(*args, **kwargs)
        if self._annotate is not None and items:
            self._annotate(items)
        return count, items


class ProfileInterface(AnnotatedInterface):
    """... with the profile filters on the enterprise-id column, the tag filter last (it
    reads the profiles the other filters leave)."""

    filter_converter_class = ProfileFilterConverter

    @staticmethod
    def enterprise_column_of(model) -> str:
        return "id" if model is Enterprise else "enterprise_id"

    def get_inner_filters(self, filters):
        inner = super().get_inner_filters(filters)
        pairs = sorted(zip(inner.filters, inner.values, strict=True),
                       key=lambda pair: isinstance(pair[0], FilterHasTag))
        inner.filters = [f for f, _v in pairs]
        inner.values = [v for _f, v in pairs]
        return inner


def profile_quick_fields(column: str, with_score: bool = True) -> list[QuickField]:
    """Technology field, score band, pool, tag and reported year as quick-search fields."""
    lang = current_language()
    spec = REGISTRY["tech_field"]
    fields = [quick("select", TECH, column, _("Technology field"),
                    [(o, spec.option_label(o, lang)) for o in spec.options])]
    if with_score:
        fields.append(quick("select", BAND, column, _("Latest score"),
                            [(band, band_label(band)) for band in search.SCORE_BANDS]))
        fields.append(quick("select", POOL, column, _("Pool"),
                            [(str(p.id), listing.pool_name(p, lang)) for p in listing.pools()]))
        fields.append(quick("select", TAG, column, _("Tag"), tag_choices(lang)))
        fields.append(quick("select", YEAR, column, _("Reported for data year"),
                            [(str(y), str(y)) for y in listing.profile_years()]))
    return fields


def band_label(band: str) -> str:
    low, high = search.parse_band(band) or (None, None)
    if high is None:
        return f"≥ {low:g}"
    if low is None:
        return f"< {high:g}"
    return f"{low:g}–{high:g}"


def tag_choices(lang: str) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from app.extensions import db

    rules = db.session.execute(select(TagRule).where(TagRule.active.is_(True)).order_by(
        TagRule.position, TagRule.id)).scalars()
    return [(str(r.id), (r.name_en or r.name) if lang == "en" else r.name) for r in rules]


def annotate_enterprises(items) -> None:
    shown = search.figures(item.id for item in items)
    for item in items:
        figures = shown[item.id]
        item.profile = (item.name, item.uscc)
        item.tech_field = figures.tech_field
        item.years_reported = figures.years
        item.score = (figures.score_total, figures.score_grade) \
            if figures.score_total is not None else None
        item.pools = figures.pools


def _years(years) -> str:
    return ", ".join(str(y) for y in years or []) or display.MISSING


def _score(score) -> str:
    if not score:
        return display.MISSING
    total, grade = score
    shown = display.score(total)
    if not grade:
        return shown
    grade = names.grade_name(grade)
    return f"{shown}（{grade}）" if current_language() == "zh" else f"{shown} ({grade})"


def _pools(pools) -> str:
    lang = current_language()
    return names.joined(listing.pool_name(p, lang) for p in pools or []) or display.MISSING


class SearchListWidget(ListWidget):
    """The list table, after any note the filters left (the tag filter's limit): kept with
    the table when the table is kept."""

    template = "profiles/search_list.html"


class ProfileSearchView(ScopedModelView):
    datamodel = ProfileInterface(Enterprise, annotate=annotate_enterprises)
    route_base = "/profiles/search"
    base_permissions = ["can_list", "can_export"]
    list_title = _l("Enterprise search")
    list_widget = SearchListWidget
    list_columns = ["profile", "uscc", "region_code", "tech_field", "years_reported", "score",
                    "pools"]
    order_columns = ["uscc", "region_code"]
    search_columns = ["name", "uscc", "region_code", "id"]
    search_form_extra_fields = {"id": StringField(_l("Profile data"))}
    label_columns = {"profile": _l("Enterprise"), "name": _l("Enterprise name"),
                     "uscc": _l("Unified social credit code"), "region": _l("Region"),
                     "tech_field": _l("Technology field"),
                     "years_reported": _l("Data years reported"), "score": _l("Latest score"),
                     "pools": _l("Current pools"), "id": _l("Profile data"),
                     "region_code": _l("Region")}
    formatters_columns = {
        "profile": lambda p: p[0] if p else "",
        "region_code": lambda c: names.region_name(c, full=True) or display.MISSING,
        "tech_field": lambda v: names.option_label(v, "tech_field") or display.MISSING,
        "years_reported": _years, "score": _score, "pools": _pools}
    shown_formatters = {"profile": lambda p: profile_link(*p) if p else "",
                        "uscc": lambda u: profile_link(u, u)}
    base_order = ("name", "asc")

    @expose("")
    @has_access
    @permission_name("list")
    def search(self):
        """``/profiles/search``: the list, with whatever search the address carries."""
        query = request.query_string.decode()
        return redirect(url_for(f"{type(self).__name__}.list") + (f"?{query}" if query else ""))

    def quick_search(self) -> list:
        return [quick("text", 2, "name", self.label_columns["name"]),
                quick("text", 2, "uscc", self.label_columns["uscc"]),
                quick("region", 0, "region_code", self.label_columns["region"]),
                *profile_quick_fields("id")]

    def _get_list_widget(self, filters, **kwargs):
        g.profile_search_notes = kwargs["search_notes"] = []
        return super()._get_list_widget(filters, **kwargs)

