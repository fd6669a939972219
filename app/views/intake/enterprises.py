from flask import flash, redirect
from flask_appbuilder.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.models import Enterprise
from app.services.platform import accounts
from app.views.platform.accounts import render_credentials
from app.views.review.submissions import SubmissionView
from app.views.shell.base import InDeploymentProvince, ScopedModelView
from app.views.shell.filters import ListInterface


class EnterpriseView(ScopedModelView):
    datamodel = ListInterface(Enterprise)
    list_title = _l("Enterprises")
    show_title = _l("Enterprise")
    add_title = _l("Add an enterprise")
    edit_title = _l("Edit enterprise")
    list_columns = ["name", "uscc", "region"]
    # 企业画像: the row's profile. The list widget checks a row link's permission on this view;
    # can_export is held by exactly the bureaus, who are the roles holding ProfileView.can_show.
    row_links = [("ProfileView.of_enterprise", _l("Profile"), "can_export", "default")]
    show_columns = ["name", "uscc", "region", "users", "created_on", "changed_on"]
    add_columns = edit_columns = ["name", "uscc", "region"]
    search_columns = ["name", "uscc", "region", "region_code"]
    quick_filters = ("name", "uscc", "region")
    label_columns = {
        "name": _l("Enterprise name"),
        "uscc": _l("Unified social credit code"),
        "region": _l("Region"),
        "users": _l("Accounts"),
        "created_on": _l("Created on"),
        "changed_on": _l("Changed on"),
    }
    base_order = ("name", "asc")
    _province_regions = {"region": [["code", InDeploymentProvince, None]]}
    add_form_query_rel_fields = edit_form_query_rel_fields = _province_regions
    search_form_query_rel_fields = _province_regions
    base_permissions = [*ScopedModelView.base_permissions, "create_account"]
    related_views = [SubmissionView]

    @action("create_account", _l("Create accounts"),
            _l("Create accounts for the selected enterprises that have none?"), "fa-key")
    def create_account(self, items):
        items = items if isinstance(items, list) else [items]
        missing = accounts.enterprises_without_account([e.id for e in items])
        if not missing:
            flash(_("The selected enterprises all have accounts already."), "info")
            return redirect(self.get_redirect())
        return render_credentials(self, accounts.create_accounts(missing))
