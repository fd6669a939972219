"""The dashboard's figures as tables (label, value, link to the records behind it) and the
charts drawn from them. The page and the Excel export read the same tables, so an export
holds exactly what the screen shows.

The tables come in groups, one per tab of the page (``GROUPS``): a group is counted, kept and
exported together, so the page counts only the tab it opens with and the others when they
are shown. The key figures on top (``kpis``) and the province map (``region_map``) are drawn
from the progress group's own counts, so they always equal its tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import current_app, url_for
from flask_babel import gettext as _

from app.domain import workflow
from app.domain.display import count as number
from app.domain.display import percent
from app.domain.records.fields import REGISTRY
from app.domain.records.rules import RULES_BY_ID
from app.i18n import current_language
from app.services.dashboard import figures as service
from app.services.scoring import stats as score_stats
from app.views.review.submissions import status_label
from app.views.shell.filters import (
    GRANTED_INDEX,
    HAS_RULE_INDEX,
    PUBLISHED_OF_ACTIVITY_INDEX,
    RECOMMENDED_INDEX,
)

# FAB list filters in URLs: _flt_<index>_<column>; string 0 = starts with, 3 = equal,
# 8 = in, 9 = not in; relation 0 = equal; number 1 = greater, 2 = smaller.
COUNTED = [("_flt_9_status", s) for s in service.NOT_COUNTED]
ENTRY_LIST = "RecommendationEntryView.list"


@dataclass
class Cell:
    """A figure and the list behind it. ``kind`` names the Jinja filter that shows it
    (``amount``, ``percent``; whole numbers use ``number``); the export keeps the value."""
    value: object
    link: str | None = None
    kind: str | None = None


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)

    def values(self) -> list[list[object]]:
        return [[cell.value for cell in row] for row in self.rows]

    def numeric(self) -> list[bool]:
        """Per column: does it hold figures (set right, as numbers are read)?"""
        return [index > 0 and any(
            len(row) > index and (row[index].kind or isinstance(row[index].value, (int, float)))
            for row in self.rows) for index in range(len(self.headers))]


def _url(endpoint: str, args: list[tuple[str, object]]) -> str:
    return f"{url_for(endpoint)}?{urlencode(args)}"


# The tabs of the page and the tables each one shows, in order; "scores" needs a score run.
GROUPS = {
    "progress": ("progress", "funnel", "statuses"),
    "review": ("workload", "warnings"),
    "distribution": ("tech_field", "scale", "qualifications"),
    "scores": ("histogram", "stages", "grades"),
    "finance": ("financing",),
}


def group_of(key: str) -> str | None:
    return next((group for group, keys in GROUPS.items() if key in keys), None)


@dataclass(frozen=True)
class Kpi:
    """One key figure: its value (``total`` beside it when given), what it counts, a note
    under it and the list of the records behind it."""
    key: str
    label: str
    value: object
    link: str | None
    kind: str = "number"
    total: object = None
    foot: str = ""


def _lang_text(zh: str, en: str) -> str:
    return en if current_language() == "en" else zh


class Tables:
    """Builds the tables of one area on demand (the export needs only one)."""

    def __init__(self, area: service.Area, run_id: int | None = None,
                 today: dt.date | None = None):
        self.area = area
        self.activity = area.activity
        self.today = today or dt.date.today()
        self.run = service.run_of(area.activity, run_id)
        self._facts = self._values = self._score_figures = None
        self._rows = self._progress = None

    # -- links -------------------------------------------------------------------------
    def records(self, region: str | None = None, *extra) -> str:
        args = [("_flt_0_activity", self.activity.id),
                ("_flt_0_region_code", region or self.area.region), *extra]
        return _url("SubmissionView.list", args)

    def counted(self, region: str | None = None, *extra) -> str:
        return self.records(region, *COUNTED, *extra)

    def statuses(self, region: str | None, statuses) -> str:
        return self.records(region, *[("_flt_8_status", s) for s in statuses])

    def scores(self, region: str | None = None, *extra) -> str | None:
        return _url("ScoreResultView.list", [
            ("_flt_0_run", self.run.id), ("_flt_0_region_code", region or self.area.region),
            *extra])

    def entries(self, region: str, *extra) -> str | None:
        if ENTRY_LIST not in current_app.view_functions:
            return None
        return _url(ENTRY_LIST, [("_flt_0_region_code", region),
                                 (f"_flt_{PUBLISHED_OF_ACTIVITY_INDEX}_recommendation_list",
                                  self.activity.id), *extra])

    def drill(self, region: str) -> str | None:
        if region == self.area.region:
            return None
        return url_for("DashboardView.index", activity=self.activity.id, region=region)

    # -- data --------------------------------------------------------------------------
    # Each grouped scan runs once, for the tables that need it.
    @property
    def cells(self) -> dict:
        """(row region, status) -> counts: the scan most tabs read."""
        if self._facts is None:
            self._facts = service.cells(self.area)
        return self._facts

    @property
    def values(self):
        """(field, value) -> submitted records of the one-choice fields (their tab only)."""
        if self._values is None:
            self._values = service.one_choice(self.area)
        return self._values


    @property
    def rows(self) -> list[tuple[str, str]]:
        """(code, name) of the per-region rows, asked once."""
        if self._rows is None:
            self._rows = service.rows_of(self.area)
        return self._rows

    @property
    def progress_rows(self) -> list[service.Progress]:
        if self._progress is None:
            self._progress = service.progress(self.area, self.cells,
                                              service.targets(self.area))
        return self._progress

    def groups(self) -> list[str]:
        """The page's tabs for this area: scores only with a score run."""
        return [g for g in GROUPS if g != "scores" or self.run is not None]

    def table(self, key: str) -> Table:
        builder = getattr(self, f"t_{key}", None)
        if builder is None or key not in self.keys():
            raise service.DashboardNotFound(key)
        return builder()

    def keys(self) -> list[str]:
        keys = ["progress", "funnel", "statuses", "workload", "warnings", "tech_field",
                "scale", "qualifications"]
        if self.run is not None:
            keys += ["histogram", "grades", "stages"]
        return [*keys, "financing"]

    # -- the key figures and the map (from the progress group's counts) ---------------------
    def kpis(self) -> list[Kpi]:
        """Submitted of the target, approved, returned, awaiting review, scored and loans
        granted: the progress table's 合计 and the other tables' totals, each linked to its
        list as the tables' cells are."""
        rows = self.progress_rows
        target, submitted, approved, returned = (
            sum(getattr(r, a) for r in rows)
            for a in ("target", "submitted", "approved", "returned"))

        def share(part: int, whole: int) -> str:
            return percent(round(100 * part / whole, 1))

        loads = service.workload(self.area, self.cells, self.today)
        oldest = max((load.oldest_days for load in loads if load.oldest_days is not None),
                     default=None)
        chain = tuple(load.status for load in loads)
        figures = [
            Kpi("submitted", _("Submitted / target"), submitted, self.counted(),
                total=target or None,
                foot=_("%(share)s of the target", share=share(submitted, target)) if target
                else _("No target set")),
            Kpi("approved", _("Approved"), approved, self.statuses(None, service.APPROVED_SET),
                foot=_("%(share)s of submitted", share=share(approved, submitted))
                if submitted else ""),
            Kpi("returned", _("Returned"), returned,
                self.statuses(None, (workflow.RETURNED,)),
                foot=_("%(share)s of submitted", share=share(returned, submitted))
                if submitted else ""),
            Kpi("waiting", _("Awaiting review"), sum(load.waiting for load in loads),
                self.statuses(None, chain),
                foot=_("Oldest waiting: %(days)s days", days=number(oldest))
                if oldest is not None else ""),
        ]
        if self.run is not None:
            figures.append(Kpi("scored", _("Scored"), service.scored(self.area, self.run),
                               self.scores(), foot=_("Run %(id)s", id=self.run.id)))
        else:
            figures.append(Kpi("scored", _("Scored"), None, None, foot=_("No scores yet")))
        loans = service.loan_total(self.area)
        figures.append(Kpi("loans", _("Loans granted (10k yuan)"), round(loans.amount, 2),
                           self.entries(self.area.region, ("_flt_0_status", "granted")),
                           kind="amount",
                           foot=_("Loans: %(count)s (each loan once)", count=number(loans.loans))))
        return figures

    def region_map(self, geo_url: str | None) -> dict | None:
        """The province's cities coloured by submitted records as a share of the target —
        the progress table's figures and drill-down links — or None below the province or
        without boundaries for it (``geo_url``)."""
        if geo_url is None or len(self.area.region) != 2:
            return None
        return {
            "type": "map", "map": f"region-{self.area.region}", "geo": geo_url,
            "codeLength": self.area.row_length,
            "regions": [{"code": row.code, "name": row.name, "target": row.target,
                         "submitted": row.submitted,
                         "share": round(100 * row.submitted / row.target, 1)
                         if row.target else None,
                         "link": self.drill(row.code)} for row in self.progress_rows],
            "labels": {"submitted": _("Submitted"), "target": _("Target"),
                       "share": _("Share of target"), "noTarget": _("No target set"),
                       "open": _("Click to open the region's dashboard"),
                       "unavailable": _("The map could not be loaded.")},
        }

    def t_progress(self) -> Table:
        table = Table("progress", _("Progress against targets"), [
            _("Region"), _("Target"), _("Submitted"), _("Approved"), _("Returned"),
            _("Share of target (%)")])
        rows = self.progress_rows
        for row in rows:
            table.rows.append([
                Cell(row.name, self.drill(row.code)), Cell(row.target),
                Cell(row.submitted, self.counted(row.code)),
                Cell(row.approved, self.statuses(row.code, service.APPROVED_SET)),
                Cell(row.returned, self.statuses(row.code, (workflow.RETURNED,))),
                _share(row.submitted, row.target, self.counted(row.code))])
        if len(rows) > 1:
            total = [sum(getattr(r, a) for r in rows) for a in
                     ("target", "submitted", "approved", "returned")]
            table.rows.append([
                Cell(_("Sum")), Cell(total[0]), Cell(total[1], self.counted()),
                Cell(total[2], self.statuses(None, service.APPROVED_SET)),
                Cell(total[3], self.statuses(None, (workflow.RETURNED,))),
                _share(total[1], total[0], self.counted())])
        return table

    def t_funnel(self) -> Table:
        names = {"submitted": _("Submitted"), "past_county": _("Passed county review"),
                 "past_city": _("Passed city review"),
                 "past_province": _("Passed provincial review"),
                 "sent": _("Sent to the national system")}
        counts = service.by_status(self.cells)
        table = Table("funnel", _("Status funnel"), [_("Stage"), _("Records")])
        for stage, statuses in service.funnel_stages(self.activity.review_chain):
            table.rows.append([Cell(names[stage]), Cell(sum(counts[s] for s in statuses),
                                                        self.statuses(None, statuses))])
        return table

    def t_statuses(self) -> Table:
        counts = service.by_status(self.cells)
        table = Table("statuses", _("Records by status"), [_("Status"), _("Records")])
        for status in workflow.STATUSES:
            table.rows.append([Cell(status_label(status)),
                               Cell(counts[status], self.statuses(None, (status,)))])
        return table

    def t_workload(self) -> Table:
        loads = service.workload(self.area, self.cells, self.today)
        regions = self.rows
        table = Table("workload", _("Review workload"), [
            _("Level"), _("Waiting"), _("Oldest waiting (days)"),
            *[name for _code, name in regions]])
        labels = {"county": _("County review"), "city": _("City review"),
                  "province": _("Provincial review")}
        for load in loads:
            table.rows.append([
                Cell(labels[load.level]), Cell(load.waiting, self.statuses(None, (load.status,))),
                Cell(load.oldest_days),
                *[Cell(load.per_row.get(code, 0), self.statuses(code, (load.status,)))
                  for code, _name in regions]])
        return table

    def t_warnings(self) -> Table:
        counts = service.warnings(self.area)
        table = Table("warnings", _("Rule warnings"), [_("Rule"), _("Description"),
                                                        _("Records")])
        for rule_id, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            rule = RULES_BY_ID.get(rule_id)
            text = _lang_text(rule.message_zh, rule.message_en) if rule else ""
            table.rows.append([Cell(rule_id), Cell(text), Cell(count, self.counted(
                None, (f"_flt_{HAS_RULE_INDEX}_warning_rules", rule_id)))])
        return table

    def _distribution(self, key: str, title: str) -> Table:
        """Every option of the field in the dictionary's order, then any other value."""
        table = Table(key, title, [_field_label(key), _("Records")])
        counts = {value: n for (name, value), n in self.values.items() if name == key}
        options = list(REGISTRY[key].options)
        for value in [*options, *sorted(v for v in counts if v not in options and v)]:
            table.rows.append([Cell(value), Cell(counts.get(value, 0), self.counted(
                None, (f"_flt_3_{key}", value)))])
        if counts.get(None):
            table.rows.append([Cell(_("Not given")), Cell(counts[None])])
        return table

    def t_tech_field(self) -> Table:
        return self._distribution("tech_field", _("By technology field"))

    def t_scale(self) -> Table:
        return self._distribution("scale", _("By enterprise size"))

    def t_qualifications(self) -> Table:
        counts = service.qualifications(self.area)
        table = Table("qualifications", _("By qualification"),
                      [_field_label("qualifications"), _("Records")])
        for option in REGISTRY["qualifications"].options:
            table.rows.append([Cell(option), Cell(counts.get(option, 0), self.counted(
                None, ("_flt_0_qualifications", option)))])
        return table

    def t_histogram(self) -> Table:
        figures = self._scores()
        table = Table("histogram", _("Distribution of totals"), [_("Points"),
                                                                 _("Number of enterprises")])
        for index, (label, count) in enumerate(zip(score_stats.bin_labels(),
                                                   figures["histogram"], strict=True)):
            table.rows.append([Cell(label), Cell(count, self.scores(None, *_bin_filter(index)))])
        return table

    def t_grades(self) -> Table:
        grades = self._scores()["grades"]
        names = sorted({g for counts in grades.values() for g in counts})
        table = Table("grades", _("Grades by region"), [_("Region"), *names, _("Sum")])
        for code, name in self.rows:
            counts = grades.get(code, {})
            table.rows.append([Cell(name, self.drill(code)),
                               *[Cell(counts.get(g, 0), self.scores(code, ("_flt_3_grade", g)))
                                 for g in names],
                               Cell(sum(counts.values()), self.scores(code))])
        return table

    def t_stages(self) -> Table:
        stages = self._scores()["stages"]
        rule = (self.run.project.definition or {}).get("stage_rule")
        # A project without stages says so with the text "none".
        stages_of_rule = rule.get("stages", []) if isinstance(rule, dict) else []
        names = {s.get("code"): s.get("name") for s in stages_of_rule}
        table = Table("stages", _("By stage"), [_("Stage"), _("Number of enterprises")])
        for code, count in sorted(stages.items(), key=lambda kv: str(kv[0])):
            table.rows.append([Cell(names.get(code, code)),
                               Cell(count, self.scores(None, ("_flt_3_stage", code))
                                    if code != "—" else None)])
        return table

    def _scores(self) -> dict:
        if self._score_figures is None:
            self._score_figures = service.score_figures(self.area, self.run)
        return self._score_figures

    def t_financing(self) -> Table:
        """Needs per region, and what banks recorded: each enterprise and each loan counted
        once (the labels say so), with a total counted across the regions."""
        loans = service.loans(self.area)
        table = Table("financing", _("Financing needs and loans"), [
            _("Region"), _("Enterprises needing financing"), _("Amount needed (10k yuan)"),
            _("Enterprises recommended (each once)"), _("Enterprises granted a loan (each once)"),
            _("Loans granted (each loan once)"), _("Amount granted (10k yuan, each loan once)")])
        empty = service.LoanFigures()
        sums = [0, 0.0]
        for code, name in self.rows:
            cells = [c for (k, s), c in self.cells.items()
                     if k == code and s not in service.NOT_COUNTED]
            need = self.counted(code, ("_flt_0_needs_financing", "y"))
            lent = loans.get(code, empty)
            granted = self.entries(code, ("_flt_0_status", "granted"))
            needing, amount = sum(c.needing for c in cells), sum(c.need_amount for c in cells)
            sums[0] += needing
            sums[1] += amount
            activity = self.activity.id
            table.rows.append([
                Cell(name, self.drill(code)), Cell(needing, need),
                Cell(round(amount, 2), need, "amount"),
                Cell(lent.recommended,
                     self.records(code, (f"_flt_{RECOMMENDED_INDEX}_activity", activity))),
                Cell(lent.enterprises_granted,
                     self.records(code, (f"_flt_{GRANTED_INDEX}_activity", activity))),
                Cell(lent.loans, granted), Cell(round(lent.amount, 2), granted, "amount")])
        total = loans.get(None, empty)
        table.rows.append([Cell(_("Sum")), Cell(sums[0]), Cell(round(sums[1], 2), None, "amount"),
                           Cell(total.recommended), Cell(total.enterprises_granted),
                           Cell(total.loans), Cell(round(total.amount, 2), None, "amount")])
        return table


def _share(part: int, whole: int, link: str) -> Cell:
    """Submitted records as a percentage of the target; no target, no share."""
    return Cell(round(100 * part / whole, 1), link, "percent") if whole else Cell(None)


def _bin_filter(index: int) -> list[tuple[str, object]]:
    """The totals of one 10-point bin as list filters: FAB's "greater" is strict, so the
    lower bound sits just under the bin (totals are stored to four decimals)."""
    low, high = index * score_stats.BIN_WIDTH, (index + 1) * score_stats.BIN_WIDTH
    args = [("_flt_1_total", low - 0.00005)] if index else []
    return args + ([("_flt_2_total", high)] if index < score_stats.BINS - 1 else [])


def _field_label(key: str) -> str:
    field_ = REGISTRY[key]
    return _lang_text(field_.label_zh, field_.label_en)


def chart(table: Table, columns: list[int], kind: str = "bar", skip_total: bool = True) -> dict:
    """A chart of some numeric columns of a table; each bar opens the cell's link."""
    rows = [r for r in table.rows if not (skip_total and r[0].value == _("Sum"))]
    return {"type": kind, "categories": [str(r[0].value) for r in rows], "topDown": True,
            "series": [{"name": table.headers[c], "data": [r[c].value for r in rows],
                        "links": [r[c].link for r in rows]} for c in columns]}
