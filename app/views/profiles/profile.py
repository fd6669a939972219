"""企业画像 (SPEC §12.4): one page per enterprise for officials in scope — identity, key
figures by year with their trends, scores with their rank, a radar against the median of
the same field and stage, financing, pools, review history — with PDF and Excel exports;
and the enterprise's own, reduced page (``/profiles/mine``). An enterprise outside the
official's area is "not found", exactly as an unknown credit code. Thin: the figures come
from services/profiles/page.py, the files from services/profiles/exports.py."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, redirect, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.domain.records.fields import DIMENSIONS, REGISTRY
from app.extensions import db
from app.i18n import current_language
from app.models import Enterprise
from app.models.financing import GRANTED
from app.security.scope import ENTERPRISE, current_scope
from app.services.profiles import NOT_FOUND, ProfileError, exports
from app.services.profiles import page as profile_page
from app.services.profiles.profile import find
from app.views.finance.recommendations import OUTCOME_LABELS
from app.views.review.submissions import action_label
from app.views.shell import names
from app.views.shell.tags import status_label

# The trend charts: (id, title, figures drawn, kind).
CHARTS = (
    ("money", "amounts", ("revenue", "rd_expense"), "bar"),
    ("ratios", "ratios", ("rd_intensity", "rd_staff_share"), "line"),
    ("ip", "ip", ("invention_patents", "ip_count"), "bar"),
    ("contracts", "contracts", ("tech_contract_in", "tech_contract_out"), "bar"),
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LEVEL_LABELS = {"county": _l("County review"), "city": _l("City review"),
                "province": _l("Provincial review")}


def _chart_titles() -> dict[str, str]:
    return {"amounts": _("Revenue and R&D expense (10k yuan)"),
            "ratios": _("R&D intensity and R&D staff share (per cent)"),
            "ip": _("Invention patents and intellectual property (items)"),
            "contracts": _("Technology contracts bought and sold (10k yuan)")}


def _plain(value):
    return None if value is None else round(float(value), 2)


class ProfileView(BaseView):
    route_base = "/profiles"
    default_view = "mine"

    # -- pages -------------------------------------------------------------------------
    @expose("/mine")
    @has_access
    def mine(self):
        """The enterprise's own profile: confirmed scores, no ranks or medians of others."""
        scope = current_scope()
        enterprise = db.session.get(Enterprise, scope.enterprise_id) \
            if scope.kind == ENTERPRISE else None
        if enterprise is None:
            return self._not_found(_("This page shows an enterprise its own profile. Open "
                                     "another enterprise's profile from the enterprise "
                                     "directory."))
        return self._build(enterprise.uscc, self._page)

    @expose("/<uscc>")
    @has_access
    def show(self, uscc):
        return self._build(uscc, self._page)

    @expose("/enterprise/<int:pk>")
    @has_access
    @permission_name("show")
    def of_enterprise(self, pk):
        """The profile of a row of the enterprise directory (its links carry the id)."""
        enterprise = db.session.get(Enterprise, pk)
        try:
            find(enterprise.uscc if enterprise else "", current_scope())
        except ProfileError:
            return self._not_found()
        return redirect(url_for("ProfileView.show", uscc=enterprise.uscc))

    # -- exports -----------------------------------------------------------------------
    @expose("/<uscc>/pdf")
    @has_access
    def pdf(self, uscc):
        def made(built):
            try:
                filename, content = exports.pdf(built, current_language(), self._names(built))
            except exports.ExportError as error:
                return self._not_found(error.message(current_language()), code=503)
            return self._file(content, filename, "application/pdf")
        return self._build(uscc, made)

    @expose("/<uscc>/xlsx")
    @has_access
    def xlsx(self, uscc):
        def made(built):
            filename, content = exports.workbook(built, current_language())
            return self._file(content, filename, XLSX)
        return self._build(uscc, made)

    # -- helpers -----------------------------------------------------------------------
    def _build(self, uscc: str, answer):
        """``answer(page)`` for the profile of ``uscc`` in the user's scope; else the page
        of a code that does not exist."""
        try:
            built = profile_page.build(uscc, current_scope())
        except ProfileError:
            return self._not_found()
        return answer(built)

    def _not_found(self, message: str | None = None, code: int = 404):
        """The same page for an unknown code and for one outside the user's area."""
        lang = current_language()
        message = message or ProfileError(*NOT_FOUND).message(lang)
        return self.render_template("error.html", code=code, title=_("Not found") if code == 404
                                    else _("Not available"), message=message), code

    @staticmethod
    def _file(content: bytes, filename: str, mimetype: str) -> Response:
        response = Response(content, mimetype=mimetype)
        response.headers["Content-Disposition"] = \
            f"attachment; filename*=UTF-8''{quote(filename)}"
        return response

    def _page(self, built: profile_page.ProfilePage):
        lang = current_language()
        context = self._names(built)
        can = self.appbuilder.sm.has_access
        return self.render_template(
            "profiles/profile.html", page=built, lang=lang, title=built.enterprise.name,
            figures=[(key, kind, exports.figure_header(key, lang))
                     for key, kind in profile_page.FIGURES],
            shown=exports.shown,
            charts=self._charts(built, lang), radar=self._radar(built, lang),
            outcomes={k: str(v) for k, v in OUTCOME_LABELS.items()}, granted=GRANTED,
            action_label=action_label, status_label=status_label,
            level_label=lambda level: str(LEVEL_LABELS.get(level, level)) if level else "—",
            can_pdf=not built.own and can("can_pdf", "ProfileView"),
            can_xlsx=not built.own and can("can_xlsx", "ProfileView"), **context)

    @staticmethod
    def _names(built: profile_page.ProfilePage) -> dict:
        """Names the page and the PDF show for codes: region, field, size, qualifications,
        entity kind, each score's project, grade and stage, tags and pools."""
        lang = current_language()
        latest = built.latest
        scores = [{"line": line, "project": names.project_name(line.project),
                   "grade": names.grade_name(line.result.grade, line.parsed) or "—",
                   "stage": names.stage_name(line.result.stage, line.parsed)}
                  for line in built.scores]
        return {
            "region": names.region_name(built.enterprise.region_code, full=True),
            "kind": built.kind.label(lang) if built.kind else "—",
            "tech_field": names.option_label(latest.get("tech_field"), "tech_field") or "—",
            "scale": names.option_label(latest.get("scale"), "scale") or "—",
            "qualifications": [names.option_label(q, "qualifications")
                               for q in latest.get("qualifications") or []],
            "tag_names": [en if lang == "en" and en else name for name, en in built.tags],
            "pool_names": [dict(m, name=(m["pool_en"] if lang == "en" and m["pool_en"]
                                         else m["pool"])) for m in built.pools],
            "score_rows": scores,
        }

    @staticmethod
    def _charts(built: profile_page.ProfilePage, lang: str) -> list[tuple[str, str, dict]]:
        years = [str(row["year"]) for row in built.years]
        titles = _chart_titles()
        charts = []
        for key, title, figures, kind in CHARTS:
            series = [{"name": _series_name(f, lang), "data": [_plain(r[f]) for r in built.years]}
                      for f in figures]
            if any(v is not None for s in series for v in s["data"]):
                charts.append((key, titles[title], {"type": kind, "categories": years,
                                                    "series": series}))
        return charts

    @staticmethod
    def _radar(built: profile_page.ProfilePage, lang: str) -> dict | None:
        radar = built.radar
        if radar is None or not radar.dimensions:
            return None
        labels = {key: (zh if lang == "zh" else en) for key, zh, en in DIMENSIONS}
        rows = [{"key": d, "label": labels[d], "points": radar.own[d][0],
                 "attainable": radar.own[d][1], "share": radar.share(d),
                 "median": radar.medians.get(d)} for d in radar.dimensions]
        line = radar.line
        spec = {"type": "radar",
                "indicators": [{"name": row["label"], "max": 100} for row in rows],
                "series": [{"name": _("This enterprise"),
                            "data": [_plain(row["share"]) or 0 for row in rows]},
                           {"name": _("Median of the same field and stage"),
                            "data": [_plain(row["median"]) or 0 for row in rows]}]}
        return {"rows": rows, "spec": spec, "line": line, "size": radar.cohort_size,
                "project": names.project_name(line.project),
                "stage": names.stage_name(line.result.stage, line.parsed) or "—",
                "field": names.option_label(line.result.tech_field, "tech_field") or "—",
                "unscored": [labels[d] for d in radar.unscored]}


def _series_name(key: str, lang: str) -> str:
    if key == "rd_intensity":
        return _("R&D intensity")
    if key == "rd_staff_share":
        return _("R&D staff share")
    return REGISTRY[key].label(lang)
