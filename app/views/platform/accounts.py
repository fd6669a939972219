"""Enterprise accounts: bureaus create them (one, many, or all of an activity's
enterprises), enterprises may register themselves, and county bureaus activate them."""

from __future__ import annotations

from flask import current_app, flash, redirect, request
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.i18n import current_language
from app.models import AppUser, Region, Submission
from app.security.scope import restrict
from app.services.platform import accounts, audit
from app.services.platform.excel import xlsx_response
from app.views.shell.base import ScopedModelView, ScopeFilter
from app.views.shell.filters import ListInterface


def render_credentials(view, created):
    """The printable list of initial passwords; shown once, never stored in clear."""
    audit.record(audit.EXPORT, object_type="AppUser",
                 detail=f"initial passwords shown for {len(created)} new accounts", commit=True)
    return view.render_template("credentials.html", created=created,
                                title=_("New enterprise accounts"))


class CredentialsExportView(BaseView):
    """Turns the printable list the user is looking at into an Excel file."""

    route_base = "/credentials"

    @expose("/xlsx", methods=["POST"])
    @has_access
    def xlsx(self):
        rows = list(zip(request.form.getlist("name"), request.form.getlist("uscc"),
                        request.form.getlist("login"), request.form.getlist("password"),
                        strict=False))
        headers = [_("Enterprise"), _("Unified social credit code"), _("Login name"),
                   _("Initial password")]
        audit.record(audit.DOWNLOAD, object_type="AppUser",
                     detail=f"initial passwords exported for {len(rows)} accounts", commit=True)
        return xlsx_response(str(_("Initial passwords")), headers, [list(r) for r in rows])


class _NotNull(BaseFilter):
    name = "not null"

    def apply(self, query, value):
        return query.filter(getattr(self.model, self.column_name).isnot(None))


class PendingAccountView(ScopedModelView):
    """Self-registered enterprise accounts awaiting activation in the bureau's region."""

    datamodel = ListInterface(AppUser)
    route_base = "/pendingaccounts"
    base_permissions = ["can_list", "can_show", "can_export", "activate"]
    list_title = show_title = _l("Registrations awaiting activation")
    list_columns = ["username", "enterprise", "region", "first_name", "email", "created_on"]
    show_columns = list_columns
    search_columns = ["username", "enterprise", "email", "created_on"]
    label_columns = {"username": _l("Login name"), "enterprise": _l("Enterprise"),
                     "region": _l("Region"), "first_name": _l("Contact"),
                     "email": _l("E-mail"), "created_on": _l("Registered on")}
    base_order = ("created_on", "desc")
    base_filters = [["id", ScopeFilter, lambda: None], ["active", FilterEqual, False],
                    ["enterprise_id", _NotNull, None]]

    @action("activate", _l("Activate"), _l("Activate the selected accounts?"), "fa-check")
    def activate(self, items):
        items = items if isinstance(items, list) else [items]
        count = accounts.activate(items)
        flash(_("%(n)d accounts activated.", n=count), "success")
        return redirect(self.get_redirect())


class RegisterView(BaseView):
    """Public self-registration of an enterprise (no account needed)."""

    route_base = "/register"
    default_view = "form"

    @expose("/", methods=["GET", "POST"])
    def form(self):
        province = current_app.config["PROVINCE_CODE"]
        counties = [(r.code, r.full_label()) for r in db.session.execute(
            select(Region).where(
                Region.level == "county", Region.code.like(f"{province}%"))
            .order_by(Region.code)).scalars()]
        values = request.form if request.method == "POST" else {}
        if request.method == "POST":
            try:
                accounts.register_enterprise(
                    uscc=values.get("uscc", ""), name=values.get("name", ""),
                    region_code=values.get("region_code", ""),
                    contact_name=values.get("contact_name", ""), email=values.get("email", ""),
                    username=values.get("username", ""), password=values.get("password", ""),
                    province_code=province)
            except accounts.AccountError as error:
                flash(str(error), "danger")
            else:
                flash(_("Registration received. The county science bureau will activate the "
                        "account; then sign in with your login name and password."), "success")
                return redirect(self.appbuilder.get_url_for_login)
        return self.render_template("register.html", counties=counties, values=values,
                                    title=_("Enterprise registration"),
                                    lang=current_language())


def enterprises_in_activity(activity_id: int) -> list[int]:
    """Enterprises of an activity within the current user's scope."""
    query = restrict(select(Submission.enterprise_id).where(
        Submission.activity_id == activity_id), Submission)
    return [row[0] for row in db.session.execute(query)]
