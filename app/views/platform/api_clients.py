"""接口密钥: the province's API clients for the third-party data API."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from sqlalchemy import select

from app.domain.regions import code_range
from app.extensions import db
from app.models import AppUser, Region
from app.services.platform import api_clients, audit
from app.services.platform.accounts import AccountError


class ApiClientView(BaseView):
    route_base = "/apiclients"
    default_view = "index"

    def _area(self) -> str:
        return g.user.region_code or current_app.config["PROVINCE_CODE"]

    @expose("/", methods=["GET", "POST"])
    @has_access
    def index(self):
        created_key = None
        if request.method == "POST":
            try:
                user, created_key = api_clients.create_client(
                    request.form.get("name", ""), request.form.get("region_code", ""),
                    self._area())
                audit.record(audit.CREATE, object_type="ApiClient", object_id=str(user.id),
                             object_repr=user.first_name, commit=True)
            except AccountError as error:
                flash(str(error), "danger")
        low, high = code_range(self._area())
        regions = [(r.code, r.full_label()) for r in db.session.execute(
            select(Region).where(
            Region.code >= low, Region.code < high).order_by(Region.code)).scalars()]
        return self.render_template("api_clients.html", clients=api_clients.clients_in(
            self._area()), regions=regions, created_key=created_key, title=_("API keys"))

    @expose("/revoke/<int:pk>", methods=["POST"])
    @has_access
    def revoke(self, pk):
        user = db.session.get(AppUser, pk)
        ours = [u for u, _keys in api_clients.clients_in(self._area())]
        if user is None or user not in ours:
            abort(404)
        api_clients.revoke(user)
        audit.record(audit.DELETE, object_type="ApiClient", object_id=str(pk),
                     object_repr=user.first_name, commit=True)
        flash(_("The client's keys are revoked."), "success")
        return redirect(url_for("ApiClientView.index"))
