"""培育评估 (SPEC §12.4): the pool evaluations (the province starts one on a data year), and an
evaluation's page — its proposals (进入 / 晋级 / 退出) with the reason each criterion gave,
filtered and exported, and its 数据不足 list. City and county officials see and comment on
the proposals of their area; the province sets one aside or restores it and confirms the
whole evaluation, which dates the memberships. A confirmed or superseded evaluation is
read-only: the service refuses any change, whatever a request asks."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import defer, selectinload
from wtforms import SelectField

from app.domain import display
from app.domain.pools import ENTER, EXIT, PROMOTE
from app.i18n import current_language
from app.models import Pool, PoolEvaluation, PoolProposal
from app.models import profiles as M
from app.services.platform.excel import xlsx_response
from app.services.profiles import ProfileError, listing
from app.services.profiles import pools as service
from app.views.profiles.search import Allowed, AnnotatedInterface, profile_link, quick
from app.views.shell import names, tags
from app.views.shell.base import AppModelView, ScopedModelView
from app.views.shell.filters import ListInterface
from app.views.shell.people import real_name

EVALUATION_STATES = {M.EVALUATION_PROPOSED: _l("Awaiting confirmation"),
                     M.EVALUATION_CONFIRMED: _l("Confirmed"),
                     M.EVALUATION_SUPERSEDED: _l("Superseded")}
EVALUATION_COLOURS = {M.EVALUATION_PROPOSED: "orange", M.EVALUATION_CONFIRMED: "green",
                      M.EVALUATION_SUPERSEDED: "grey"}
CHANGES = {ENTER: _l("Entry"), PROMOTE: _l("Promotion"), EXIT: _l("Exit")}
CHANGE_COLOURS = {ENTER: "green", PROMOTE: "blue", EXIT: "red"}
PROPOSAL_STATES = {M.PROPOSED: _l("Proposed"), M.SET_ASIDE: _l("Set aside"),
                   M.CONFIRMED: _l("Confirmed")}
PROPOSAL_COLOURS = {M.PROPOSED: "blue", M.SET_ASIDE: "grey", M.CONFIRMED: "green"}
INSUFFICIENT_SHOWN = 200
# An evaluation's page is its proposals filtered on it: FAB's "equal" on the id column (the
# relation's filter would load the evaluation, long 数据不足 list and all, to compare).
EVALUATION_ARG = "_flt_0_evaluation_id"


def _said(labels: dict, key) -> str:
    return str(labels.get(key, key or "—"))


def _refused(error: ProfileError) -> None:
    flash(error.message(current_language()), "danger")


def counted(labels: dict, counts: dict | None) -> str:
    """"进入 12 · 晋级 1 · 退出 3" (the export's text)."""
    return " · ".join(f"{labels[k]} {counts.get(k, 0)}" for k in labels) if counts else "—"


def counted_tags(labels: dict, colours: dict):
    def shown(counts) -> Markup:
        if not counts:
            return Markup("—")
        return Markup(" ").join(tags.tag(f"{labels[k]} {counts.get(k, 0)}", colours[k])
                                for k in labels if counts.get(k))
    return shown


def evaluation_title(evaluation: PoolEvaluation) -> str:
    return _("Evaluation %(id)s on the %(year)s data", id=evaluation.id,
             year=evaluation.data_year)


def annotate_evaluations(items) -> None:
    counts = listing.evaluation_counts(items)
    for item in items:
        item.changes = counts[item.id].changes
        item.statuses = counts[item.id].statuses
        item.insufficient_count = counts[item.id].insufficient


class EvaluationInterface(AnnotatedInterface):
    """Evaluations listed without their 数据不足 lists (long at scale: counted in SQL)."""

    def apply_all(self, query, *args, **kwargs):
        return super().apply_all(query, *args, **kwargs).options(
            defer(PoolEvaluation.insufficient))


class PoolEvaluationView(Allowed, AppModelView):
    datamodel = EvaluationInterface(PoolEvaluation, annotate=annotate_evaluations)
    route_base = "/poolevaluations"
    base_permissions = ["can_list", "can_show", "can_export", "can_evaluate", "can_confirm"]
    list_title = _l("Pool evaluations")
    list_template = "profiles/pools_evaluations.html"
    list_columns = ["data_year", "created_at", "created_by", "status", "changes", "statuses",
                    "insufficient_count", "confirmed_at", "confirmed_by"]
    order_columns = ["data_year", "created_at"]
    search_columns = ["data_year", "status"]
    label_columns = {"data_year": _l("Data year"), "created_at": _l("Evaluated on"),
                     "created_by": _l("Evaluated by"), "status": _l("Status"),
                     "changes": _l("Proposed changes"), "statuses": _l("Proposals by status"),
                     "insufficient_count": _l("Insufficient data"),
                     "confirmed_at": _l("Confirmed on"), "confirmed_by": _l("Confirmed by")}
    formatters_columns = {"status": lambda s: _said(EVALUATION_STATES, s),
                          "changes": lambda c: counted(CHANGES, c),
                          "statuses": lambda c: counted(PROPOSAL_STATES, c)}
    shown_formatters = {"status": tags.labelled_tags(EVALUATION_STATES, EVALUATION_COLOURS),
                        "changes": counted_tags(CHANGES, CHANGE_COLOURS),
                        "statuses": counted_tags(PROPOSAL_STATES, PROPOSAL_COLOURS),
                        "created_by": real_name, "confirmed_by": real_name}
    quick_filters = ("status",)
    quick_choices = {"status": lambda: [(k, str(v)) for k, v in EVALUATION_STATES.items()]}
    base_order = ("id", "desc")
    show_label = _l("Open")

    def evaluate_choices(self) -> dict:
        """What the 评估 form offers: the data years (latest first) and the evaluation a new
        one would supersede."""
        return {"years": listing.profile_years(), "waiting": listing.latest_waiting()}

    @expose("/show/<int:pk>")
    @has_access
    def show(self, pk):
        """An evaluation's page is its list of proposals, with its summary above."""
        if listing.evaluation(pk) is None:
            abort(404)
        return redirect(url_for("PoolProposalView.list", **{EVALUATION_ARG: pk}))

    @expose("/evaluate", methods=["POST"])
    @has_access
    def evaluate(self):
        year = request.form.get("year", type=int)
        try:
            evaluation = service.evaluate(year)
        except ProfileError as error:
            _refused(error)
            return redirect(url_for("PoolEvaluationView.list"))
        total = sum(listing.evaluation_counts([evaluation])[evaluation.id].statuses.values())
        flash(_("Evaluated %(n)s enterprises on the %(year)s data: %(p)s proposals, %(i)s "
                "with insufficient data. Check them, then confirm.",
                n=display.count(evaluation.evaluated), year=evaluation.data_year,
                p=display.count(total), i=display.count(len(evaluation.insufficient or []))),
              "success")
        return redirect(url_for("PoolEvaluationView.show", pk=evaluation.id))

    @expose("/confirm/<int:pk>", methods=["POST"])
    @has_access
    def confirm(self, pk):
        evaluation = listing.evaluation(pk)
        if evaluation is None:
            abort(404)
        try:
            confirmed = service.confirm(evaluation)
        except ProfileError as error:
            _refused(error)
        else:
            flash(_("Confirmed %(n)s changes: the memberships are opened and closed as of "
                    "today.", n=display.count(confirmed)), "success")
        return redirect(url_for("PoolEvaluationView.show", pk=pk))

    @expose("/insufficient/<int:pk>")
    @has_access
    @permission_name("export")
    def insufficient(self, pk):
        """The 数据不足 list of the evaluation within the user's area, as an xlsx file."""
        if listing.evaluation(pk) is None:
            abort(404)
        lang = current_language()
        pools = {p.name: p for p in listing.pools()}
        rows = ([item["name"], item["uscc"], names.region_name(item["region_code"], True),
                 "\n".join(listing.reason_text(r, lang, pools) for r in item["reasons"])]
                for item in listing.insufficient(pk)[1])
        return xlsx_response(_("Insufficient data"), [
            _("Enterprise"), _("Unified social credit code"), _("Region"), _("Reasons")], rows)


def _evaluation_label(evaluation) -> str:
    if evaluation is None:
        return "—"
    return _("%(year)s data, evaluation %(id)s", year=evaluation.data_year, id=evaluation.id)


def evaluation_choices() -> list[tuple[str, str]]:
    return [(str(pk), _("%(year)s data, evaluation %(id)s", year=year, id=pk) + " · "
             + _said(EVALUATION_STATES, status))
            for pk, year, status in listing.evaluation_choices()]


def pool_choices() -> list[tuple[str, str]]:
    lang = current_language()
    return [(str(p.id), listing.pool_name(p, lang)) for p in listing.pools()]


def _reasons(reasons) -> list[str]:
    lang = current_language()
    pools = {p.name: p for p in listing.pools()} if lang == "en" else {}
    return [listing.reason_text(r, lang, pools) for r in reasons or []]


def _pool(pool: Pool | None) -> str:
    return listing.pool_name(pool, current_language()) or "—"


class ProposalInterface(ListInterface):
    """Proposals with their evaluation loaded without its (long) 数据不足 list."""

    _shown: tuple[str, ...] = ()

    @property
    def shown_relations(self) -> tuple[str, ...]:
        return self._shown

    @shown_relations.setter
    def shown_relations(self, value) -> None:
        self._shown = tuple(v for v in value if v != "evaluation")

    def apply_all(self, query, *args, **kwargs):
        return super().apply_all(query, *args, **kwargs).options(
            selectinload(PoolProposal.evaluation).defer(PoolEvaluation.insufficient))


class PoolProposalView(Allowed, ScopedModelView):
    datamodel = ProposalInterface(PoolProposal)
    route_base = "/poolevaluations/proposals"  # under its menu entry: the sidebar marks it
    base_permissions = ["can_list", "can_show", "can_export", "can_comment", "can_set_aside"]
    list_title = _l("Pool proposals")
    list_template = "profiles/pools_proposals.html"
    list_columns = ["evaluation", "enterprise", "uscc", "region_code", "pool", "change",
                    "reasons", "comment", "status"]
    order_columns = ["uscc", "region_code", "change", "status"]
    search_columns = ["evaluation_id", "pool", "change", "status", "uscc", "region_code",
                      "comment"]
    search_form_extra_fields = {
        "evaluation_id": SelectField(_l("Evaluation"), choices=evaluation_choices),
        "pool": SelectField(_l("Pool"), choices=pool_choices)}
    label_columns = {"evaluation": _l("Evaluation"), "evaluation_id": _l("Evaluation"),
                     "enterprise": _l("Enterprise"),
                     "uscc": _l("Unified social credit code"), "region_code": _l("Region"),
                     "region": _l("Region"), "pool": _l("Pool"), "change": _l("Change"),
                     "reasons": _l("Reasons"), "comment": _l("Comment"),
                     "status": _l("Status")}
    formatters_columns = {
        "evaluation": _evaluation_label,
        "enterprise": lambda e: e.name if e else "—",
        "region_code": lambda c: names.region_name(c, full=True),
        "pool": _pool,
        "change": lambda c: _said(CHANGES, c),
        "reasons": lambda r: "\n".join(_reasons(r)),
        "status": lambda s: _said(PROPOSAL_STATES, s)}
    shown_formatters = {
        "enterprise": lambda e: profile_link(e.name, e.uscc) if e else "—",
        "change": tags.labelled_tags(CHANGES, CHANGE_COLOURS),
        "reasons": lambda r: Markup("<br>").join(_reasons(r)) or "—",
        "status": tags.labelled_tags(PROPOSAL_STATES, PROPOSAL_COLOURS)}
    base_order = ("id", "asc")

    def quick_search(self) -> list:
        return [quick("select", 0, "evaluation_id", _("Evaluation"), evaluation_choices()),
                quick("select", 0, "pool", _("Pool"), pool_choices()),
                quick("select", 3, "change", _("Change"),
                      [(k, str(v)) for k, v in CHANGES.items()]),
                quick("select", 3, "status", _("Status"),
                      [(k, str(v)) for k, v in PROPOSAL_STATES.items()]),
                quick("region", 0, "region_code", _("Region")),
                quick("text", 2, "uscc", _("Unified social credit code"))]

    def hidden_list_columns(self, filters) -> set[str]:
        return {"evaluation"} if request.args.get(EVALUATION_ARG) else set()

    def render_template(self, template, **kwargs):
        evaluation = self.current_evaluation() if template == self.list_template else None
        if evaluation is not None:  # the list of one evaluation is that evaluation's page
            kwargs["title"] = evaluation_title(evaluation)
        return super().render_template(template, **kwargs)

    def current_evaluation(self) -> PoolEvaluation | None:
        """The evaluation the list is filtered on: its page."""
        pk = request.args.get(EVALUATION_ARG, type=int)
        return listing.evaluation(pk) if pk else None

    def evaluation_page(self, evaluation: PoolEvaluation) -> dict:
        """The summary above an evaluation's proposals: counts within the user's area, the
        proposals a confirmation would confirm, the 数据不足 list."""
        lang = current_language()
        total, first = listing.insufficient(evaluation.id, limit=INSUFFICIENT_SHOWN)
        pools = {p.name: p for p in listing.pools()} if lang == "en" else {}
        shown = [dict(item, reasons=[listing.reason_text(r, lang, pools)
                                     for r in item["reasons"]]) for item in first]
        return {"evaluation": evaluation, "title": evaluation_title(evaluation),
                "counts": listing.evaluation_counts([evaluation])[evaluation.id],
                "waiting": listing.waiting(evaluation),
                "open": evaluation.status == M.EVALUATION_PROPOSED,
                "status": _said(EVALUATION_STATES, evaluation.status),
                "status_colour": EVALUATION_COLOURS.get(evaluation.status, "grey"),
                "insufficient": shown, "insufficient_total": total,
                "changes": CHANGES, "change_colours": CHANGE_COLOURS,
                "states": PROPOSAL_STATES, "state_colours": PROPOSAL_COLOURS}

    def _proposal(self, pk) -> PoolProposal:
        proposal = self.datamodel.get(pk, self._base_filters)  # within the user's area
        if proposal is None:
            abort(404)
        listing.evaluation(proposal.evaluation_id)  # its evaluation, without the long list
        return proposal

    @expose("/show/<int:pk>")
    @has_access
    def show(self, pk):
        proposal = self._proposal(pk)
        evaluation = proposal.evaluation
        return self.render_template(
            "profiles/pools_proposal.html", proposal=proposal, evaluation=evaluation,
            evaluation_label=_evaluation_label(evaluation), reasons=_reasons(proposal.reasons),
            pool=_pool(proposal.pool),
            leaves=_pool(proposal.leaves_pool) if proposal.leaves_pool else None,
            change=_said(CHANGES, proposal.change),
            change_colour=CHANGE_COLOURS.get(proposal.change, "grey"),
            status=_said(PROPOSAL_STATES, proposal.status),
            status_colour=PROPOSAL_COLOURS.get(proposal.status, "grey"),
            set_aside_reason=listing.set_aside_text(proposal.set_aside_reason,
                                                    current_language()),
            open=evaluation.status == M.EVALUATION_PROPOSED,
            title=_("Proposal for %(name)s", name=proposal.enterprise.name))

    @expose("/comment/<int:pk>", methods=["POST"])
    @has_access
    def comment(self, pk):
        proposal = self._proposal(pk)
        try:
            service.comment(proposal, request.form.get("comment", ""))
        except ProfileError as error:
            _refused(error)
        else:
            flash(_("Your comment is saved; the province reads it before confirming."),
                  "success")
        return redirect(url_for("PoolProposalView.show", pk=pk))

    @expose("/setaside/<int:pk>", methods=["POST"])
    @has_access
    def set_aside(self, pk):
        proposal = self._proposal(pk)
        restore = request.form.get("restore") == "y"
        try:
            service.set_aside(proposal, request.form.get("reason", ""), restore=restore)
        except ProfileError as error:
            _refused(error)
        else:
            flash(_("Restored: the confirmation will confirm it.") if restore else
                  _("Set aside: the confirmation leaves it out."), "success")
        return redirect(url_for("PoolProposalView.show", pk=pk))
