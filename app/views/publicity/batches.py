"""The province's screens of the public procedure (SPEC §12.3): 公示 batches (create from an
activity's approved records or a run's passed ones, publish, close with 公告), the objections
to decide, and the registrations to revoke. Thin: every step is a service function."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.domain import publicity as P
from app.domain.errors import BilingualError
from app.extensions import db
from app.i18n import current_language
from app.models import ReportingActivity, ScoreRun
from app.models.publicity import Objection, PublicityBatch, Registration
from app.services.publicity import batches, objections, registrations
from app.views.publicity.notices import file_response
from app.views.shell import tags
from app.views.shell.base import AppModelView, ScopedModelView
from app.views.shell.filters import ListInterface


def _labels(states: dict) -> dict:
    lang = current_language()
    return {k: (zh if lang == "zh" else en) for k, (zh, en) in states.items()}


REGISTRATION_STATES = {"active": _l("Registered"), "revoked": _l("Revoked")}
BATCH_COLOURS = {P.DRAFT: "grey", P.PUBLISHED: "blue", P.CLOSED: "green"}
OBJECTION_COLOURS = {P.PENDING: "orange", P.INVESTIGATING: "blue", P.UPHELD: "red",
                     P.NOT_UPHELD: "green", P.REFUSED: "grey"}


class PublicityBatchView(AppModelView):
    datamodel = ListInterface(PublicityBatch)
    route_base = "/publicity"
    base_permissions = ["can_list", "can_show", "can_export", "can_new", "can_publish",
                        "can_close"]
    list_title = _l("Publicity batches")
    list_columns = ["number", "title", "activity", "status", "starts", "ends", "created_at"]
    search_columns = ["title", "number", "status", "activity"]
    label_columns = {"number": _l("Number"), "title": _l("Title"), "activity": _l("Activity"),
                     "status": _l("Status"), "starts": _l("Period starts"),
                     "ends": _l("Period ends"), "created_at": _l("Created on")}
    formatters_columns = {"status": lambda s: _labels(P.BATCH_STATES).get(s, s)}
    shown_formatters = {"status": lambda s: tags.tag(_labels(P.BATCH_STATES).get(s, s),
                                                     BATCH_COLOURS.get(s, "grey"),
                                                     data_status=s)}
    quick_filters = ("title", "status", "activity")
    quick_choices = {"status": lambda: list(_labels(P.BATCH_STATES).items())}
    base_order = ("id", "desc")
    extra_args = {"list_links": [("PublicityBatchView.new", _l("New publicity batch"),
                                  "fa-plus")]}

    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        batch = db.session.get(PublicityBatch, int(pk)) if str(pk).isdigit() else None
        if batch is None:
            abort(404)
        found = db.session.execute(select(Objection).where(
            Objection.batch_id == batch.id).order_by(Objection.id)).scalars().all()
        return self.render_template("publicity/batch.html", batch=batch, objections=found,
                                    corrections=batches.corrections_of(batch.id, public=False),
                                    states=_labels(P.BATCH_STATES),
                                    objection_states=_labels(P.OBJECTION_STATES),
                                    title=str(batch))

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def new(self):
        activities = db.session.execute(select(ReportingActivity).order_by(
            ReportingActivity.id.desc())).scalars().all()
        runs = db.session.execute(select(ScoreRun).order_by(ScoreRun.id.desc()).limit(50)
                                  ).scalars().all()
        # 发布更正: the form of a new batch that corrects a published one (which stays as is).
        corrects = request.values.get("corrects", type=int)
        corrected = db.session.get(PublicityBatch, corrects) if corrects else None
        if corrects and (corrected is None or corrected.status == P.DRAFT):
            abort(404)
        if request.method == "POST":
            form = request.form
            usccs = [u.strip().upper() for u in form.get("usccs", "").split() if u.strip()]
            grades = [x.strip() for x in form.get("grades", "").split(",") if x.strip()]
            try:
                batch = batches.create(
                    form.get("activity", type=int) or 0, g.user, usccs=usccs or None,
                    run_id=form.get("run", type=int) or None,
                    passed=form.get("passed") == "yes", grades=grades or None,
                    days=form.get("days", type=int) or P.DEFAULT_DAYS,
                    title=form.get("title") or None, corrects=corrects,
                    note=form.get("note"))
            except BilingualError as error:
                flash(error.message(current_language()), "danger")
            else:
                flash(_("The batch was created with %(n)s enterprises. Check it, then "
                        "publish.", n=len(batch.entries)), "success")
                return redirect(url_for("PublicityBatchView.show", pk=batch.id))
        values = request.form if request.method == "POST" else (
            {"usccs": "\n".join(e.uscc for e in corrected.entries
                                 if e.status != "withdrawn")}
            if corrected else {})
        return self.render_template("publicity/new.html", activities=activities, runs=runs,
                                    values=values, corrected=corrected,
                                    title=_("Publish a correction") if corrected
                                    else _("New publicity batch"))

    def _step(self, pk, step):
        try:
            step(pk)
        except BilingualError as error:
            flash(error.message(current_language()), "danger")
        return redirect(url_for("PublicityBatchView.show", pk=pk))

    @expose("/publish/<int:pk>", methods=["POST"])
    @has_access
    def publish(self, pk):
        return self._step(pk, lambda i: (batches.publish(i, g.user), flash(
            _("Published: the list is public and takes objections until its period ends."),
            "success")))

    @expose("/close/<int:pk>", methods=["POST"])
    @has_access
    def close(self, pk):
        def close_it(i):
            result = batches.close(i, g.user)
            flash(_("Announced: %(n)s enterprises registered, %(w)s withdrawn.",
                    n=result["announced"], w=result["withdrawn"]), "success")
        return self._step(pk, close_it)


class ObjectionView(ScopedModelView):
    datamodel = ListInterface(Objection)
    route_base = "/objections"
    base_permissions = ["can_list", "can_show", "can_export", "can_decide", "can_note"]
    list_title = _l("Objections")
    list_columns = ["id", "batch", "entry", "status", "created_at"]
    search_columns = ["status", "batch"]
    label_columns = {"id": _l("No."), "batch": _l("Publicity batch"),
                     "entry": _l("Enterprise"), "status": _l("Status"),
                     "created_at": _l("Lodged on")}
    formatters_columns = {"status": lambda s: _labels(P.OBJECTION_STATES).get(s, s),
                          "entry": lambda e: f"{e.name}（{e.uscc}）" if e else "—"}
    shown_formatters = {"status": lambda s: tags.tag(_labels(P.OBJECTION_STATES).get(s, s),
                                                     OBJECTION_COLOURS.get(s, "grey"),
                                                     data_status=s)}
    quick_filters = ("status", "batch")
    quick_choices = {"status": lambda: list(_labels(P.OBJECTION_STATES).items())}
    base_order = ("id", "desc")

    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        found = self.datamodel.get(pk, self._base_filters)  # within the user's area
        if found is None:
            abort(404)
        return self.render_template("publicity/objection.html", objection=found,
                                    states=_labels(P.OBJECTION_STATES),
                                    title=_("Objection %(n)s", n=found.id))

    @expose("/evidence/<int:pk>")
    def evidence(self, pk):
        """The objector's evidence file, as a download. Checked here rather than by
        @has_access, so that a visitor who is not signed in gets the same 404 as an official
        outside the objection's area (no login page hinting that the file exists)."""
        if not self.appbuilder.sm.has_access("can_show", self.class_permission_name):
            abort(404)
        if self.datamodel.get(pk, self._base_filters) is None:  # outside the user's area
            abort(404)
        try:
            found, media_type, handle = objections.open_evidence(pk, g.user)
        except BilingualError:
            abort(404)
        return file_response(handle, found.evidence_name or "evidence", media_type)

    @expose("/decide/<int:pk>", methods=["POST"])
    @has_access
    def decide(self, pk):
        if self.datamodel.get(pk, self._base_filters) is None:  # outside the user's area
            abort(404)
        outcome = request.form.get("outcome", "")
        try:
            objections.decide(pk, outcome, request.form.get("reason", ""), g.user)
            flash(_("Saved."), "success")
        except BilingualError as error:
            flash(error.message(current_language()), "danger")
        return redirect(url_for("ObjectionView.show", pk=pk))

    @expose("/note/<int:pk>", methods=["POST"])
    @has_access
    def note(self, pk):
        if self.datamodel.get(pk, self._base_filters) is None:
            abort(404)
        try:
            objections.add_note(pk, request.form.get("text", ""), g.user)
            flash(_("Saved."), "success")
        except BilingualError as error:
            flash(error.message(current_language()), "danger")
        return redirect(url_for("ObjectionView.show", pk=pk))


class RegistrationView(ScopedModelView):
    datamodel = ListInterface(Registration)
    route_base = "/registrations"
    base_permissions = ["can_list", "can_show", "can_export", "can_revoke", "can_certificate"]
    list_title = _l("Registrations")
    list_columns = ["number", "name", "uscc", "region", "data_year", "announced_on", "status"]
    search_columns = ["number", "name", "uscc", "status"]
    label_columns = {"number": _l("Registration number"), "name": _l("Enterprise"),
                     "uscc": _l("Unified social credit code"), "region": _l("Region"),
                     "data_year": _l("Data year"), "announced_on": _l("Announced on"),
                     "status": _l("Status")}
    formatters_columns = {"status": lambda s: str(REGISTRATION_STATES.get(s, s))}
    shown_formatters = {"status": tags.labelled_tags(REGISTRATION_STATES,
                                                     {"active": "green", "revoked": "red"})}
    quick_filters = ("name", "uscc", "number")
    base_order = ("id", "desc")

    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        found = self.datamodel.get(pk, self._base_filters)
        if found is None:
            abort(404)
        return self.render_template("publicity/registration.html", registration=found,
                                    title=found.number)

    @expose("/certificate/<int:pk>")
    @has_access
    def certificate(self, pk):
        found = self.datamodel.get(pk, self._base_filters)
        if found is None:
            abort(404)
        try:
            data = registrations.certificate_pdf(found)
        except BilingualError as error:
            flash(error.message(current_language()), "danger")
            return redirect(url_for("RegistrationView.show", pk=pk))
        return current_app.response_class(data, mimetype="application/pdf", headers={
            "Content-Disposition": f"inline; filename=registration-{found.number}.pdf"})

    @expose("/revoke/<int:pk>", methods=["POST"])
    @has_access
    def revoke(self, pk):
        found = self.datamodel.get(pk, self._base_filters)
        if found is None:
            abort(404)
        try:
            registrations.revoke(found.number, request.form.get("reason", ""), g.user)
            flash(_("Revoked; the notice is published on the portal."), "success")
        except BilingualError as error:
            flash(error.message(current_language()), "danger")
        return redirect(url_for("RegistrationView.show", pk=pk))
