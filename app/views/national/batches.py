"""报送国家: the province's 报送 batches (SPEC §12.5) — the list per activity, the form that
reports what is left as the next numbered batch, and the batch page with its entries, the
package's files (size and SHA-256 from the manifest) and their downloads, one by one or as a
zip. Thin: the batch is made by ``services.national.batches.export``."""

from __future__ import annotations

import tempfile
import zipfile

from flask import abort, flash, redirect, request, send_file, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from app.domain.errors import BilingualError
from app.domain.records.fields import REGISTRY
from app.extensions import db
from app.i18n import current_language
from app.models import NationalBatch, ReportingActivity
from app.models import national as N
from app.services.national import batches, connector, loop
from app.services.platform import audit
from app.views.national.imports import ImportPages
from app.views.shell import tags
from app.views.shell.base import AppModelView
from app.views.shell.filters import ListInterface
from app.views.shell.people import real_name

ENTRIES_PER_PAGE = 100
KINDS = {False: _l("First report"), True: _l("Supplementary report")}
KIND_COLOURS = {False: "blue", True: "orange"}
CHANNELS = {connector.FILE: _l("File package"), connector.HTTP: _l("National interface")}
ENTRY_STATES = {N.SENT: _l("Reported"), N.RETURNED: _l("Returned by the Ministry")}
ENTRY_COLOURS = {N.SENT: "green", N.RETURNED: "orange"}
DELIVERY = {N.PENDING: _l("Waiting to be delivered"), N.DELIVERED: _l("Delivered"),
            N.FAILED: _l("Failed")}
DELIVERY_COLOURS = {N.PENDING: "blue", N.DELIVERED: "green", N.FAILED: "red"}


def delivery_counts(batch: NationalBatch) -> dict[str, int] | None:
    """An HTTP batch's records by delivery state (pending, delivered, failed); None for a
    file package, which nothing delivers."""
    if batch.channel != connector.HTTP:
        return None
    counts = connector.delivery_status(batch)
    return {state: counts.get(state, 0) for state in DELIVERY}


def delivery_cell(counts: dict[str, int] | None) -> Markup | str:
    if not counts:
        return "—"
    return Markup(" ").join(
        tags.tag(f"{DELIVERY[state]} {n}", DELIVERY_COLOURS[state], data_status=state)
        for state, n in counts.items() if n) or "—"


class BatchInterface(ListInterface):
    """The batch list's one figure that is no column: the delivery counts of an HTTP push."""

    @staticmethod
    def _get_attr_value(item, col):
        if col == "delivery":
            return delivery_counts(item)
        return ListInterface._get_attr_value(item, col)


def field_label(key: str | None) -> str:
    if not key:
        return ""
    return REGISTRY[key].label(current_language()) if key in REGISTRY else key


class NationalBatchView(ImportPages, AppModelView):
    datamodel = BatchInterface(NationalBatch)
    route_base = "/nationalbatches"
    base_permissions = ["can_list", "can_show", "can_export", "can_report", "can_download",
                        "can_redeliver", "can_feedback", "can_points", "can_template"]
    list_title = _l("Reports to the Ministry")
    list_columns = ["activity", "number", "supplementary", "records", "channel", "created_at",
                    "created_by", "delivery"]
    search_columns = ["activity", "number", "supplementary", "channel", "created_at"]
    label_columns = {"activity": _l("Activity"), "number": _l("Batch number"),
                     "supplementary": _l("Kind"), "records": _l("Records"),
                     "channel": _l("Delivery method"), "created_at": _l("Created at"),
                     "created_by": _l("Created by"), "delivery": _l("Delivery")}
    formatters_columns = {"supplementary": lambda v: str(KINDS.get(bool(v))),
                          "channel": lambda c: str(CHANNELS.get(c, c)),
                          "delivery": lambda counts: "; ".join(
                              f"{DELIVERY[k]} {n}" for k, n in (counts or {}).items()) or "—"}
    shown_formatters = {"supplementary": lambda v: tags.tag(str(KINDS[bool(v)]),
                                                            KIND_COLOURS[bool(v)]),
                        "created_by": real_name, "delivery": delivery_cell}
    quick_filters = ("activity",)
    base_order = ("id", "desc")
    extra_args = {"list_links": [("NationalBatchView.report", _l("Report a batch"),
                                  "fa-paper-plane")]}

    def _export_value(self, item, column):
        if column == "delivery":
            return self.export_formatters["delivery"](delivery_counts(item))
        return super()._export_value(item, column)

    def _batch(self, pk) -> NationalBatch:
        batch = db.session.get(NationalBatch, int(pk)) if str(pk).isdigit() else None
        if batch is None:
            abort(404)
        return batch

    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        batch = self._batch(pk)
        state = request.args.get("state") if request.args.get("state") in ENTRY_STATES \
            else None
        page = max(request.args.get("page", 0, type=int), 0)
        counts = loop.entry_counts(batch)
        shown = counts.get(state, 0) if state else sum(counts.values())
        files = list((batch.manifest or {}).get("files", []))
        return self.render_template(
            "national/batch.html", batch=batch, counts=counts, state=state, page=page,
            pages=max((shown + ENTRIES_PER_PAGE - 1) // ENTRIES_PER_PAGE, 1),
            entries=loop.batch_entries(batch, state, page, ENTRIES_PER_PAGE),
            files=files, manifest_index=len(files), kinds=KINDS, kind_colours=KIND_COLOURS,
            channels=CHANNELS, entry_states=ENTRY_STATES, entry_colours=ENTRY_COLOURS,
            delivery=delivery_cell(delivery_counts(batch)), field_label=field_label,
            failures=connector.failures(batch) if batch.channel == connector.HTTP else [],
            title=_("Batch %(n)s of %(activity)s", n=batch.number, activity=batch.activity.name))

    @expose("/redeliver/<int:pk>", methods=["POST"])
    @has_access
    def redeliver(self, pk):
        """Push the batch's failed records again, after what made them fail is fixed."""
        batch = self._batch(pk)
        try:
            count = connector.redeliver_failed(batch)
        except BilingualError as error:
            flash(error.message(current_language()), "danger")
        else:
            flash(_("%(n)s failed records are pushed again.", n=count), "success")
        return redirect(url_for("NationalBatchView.show", pk=batch.id))

    @expose("/report", methods=["GET", "POST"])
    @has_access
    def report(self):
        """Choose the activity, see what is left, confirm: the next numbered batch."""
        if request.method == "POST":
            activity = db.session.get(ReportingActivity, request.form.get("activity", type=int))
            if activity is None:
                abort(404)
            try:
                batch = batches.export(activity, channel=connector.default_channel())
            except BilingualError as error:
                flash(error.message(current_language()), "danger")
                return redirect(url_for("NationalBatchView.report", activity=activity.id))
            connector.schedule(batch)  # an HTTP batch's records go out after the commit
            flash(_("Batch %(k)s made with %(n)s records: download its package below.",
                    k=batch.number, n=batch.records), "success")
            return redirect(url_for("NationalBatchView.show", pk=batch.id))
        activities = db.session.execute(select(ReportingActivity).order_by(
            ReportingActivity.id.desc())).scalars().all()
        chosen = request.args.get("activity", type=int)
        activity = next((a for a in activities if a.id == chosen), None)
        left, number = loop.next_batch(activity) if activity is not None else (0, 0)
        return self.render_template("national/report.html", activities=activities,
                                    activity=activity, left=left, number=number,
                                    title=_("Make a report batch"))

    def _package_file(self, batch: NationalBatch, index: int):
        names = batches.package_files(batch)
        if not 0 <= index < len(names):
            abort(404)
        path = batches.package_folder(batch) / names[index]
        if not batch.folder or not path.is_file():
            abort(404)
        return names[index], path

    @expose("/file/<int:pk>/<int:index>")
    @has_access
    def download(self, pk, index):
        """One file of the kept package (the manifest last), as it was sent."""
        batch = self._batch(pk)
        name, path = self._package_file(batch, index)
        audit.record(audit.DOWNLOAD, object_type="NationalBatch", object_id=str(batch.id),
                     object_repr=name, commit=True)
        return send_file(path, as_attachment=True, download_name=name)

    @expose("/package/<int:pk>")
    @has_access
    @permission_name("download")
    def package(self, pk):
        """The whole kept package as one zip: every file of the manifest and the manifest."""
        batch = self._batch(pk)
        files = [self._package_file(batch, i) for i in range(len(batches.package_files(batch)))]
        handle = tempfile.NamedTemporaryFile(suffix=".zip")
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, path in files:
                archive.write(path, arcname=name)
        handle.flush()
        name = batches.workbook_name(batch.activity, batch).removesuffix(".xlsx") + ".zip"
        audit.record(audit.DOWNLOAD, object_type="NationalBatch", object_id=str(batch.id),
                     object_repr=name, commit=True)
        response = send_file(handle.name, as_attachment=True, download_name=name,
                             mimetype="application/zip")
        response.call_on_close(handle.close)
        return response
