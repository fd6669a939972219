"""画像标签规则 (SPEC §12.4): the auto tags of the enterprise profile, each a criterion in the
indicator language (研发强度 ≥ 10%: ``revenue > 0 and rd_expense / revenue >= 0.1``), added
and edited by the province with the pools' criterion editor."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.i18n import current_language
from app.models import TagRule
from app.services.profiles import ProfileError, criteria
from app.views.profiles.pools import checked, criterion_help, field_of_error, in_language
from app.views.shell.base import AppModelView
from app.views.shell.filters import ListInterface
from app.views.shell.people import real_name

# The service's refusals start with these (app/services/profiles/criteria.py).
ERROR_FIELDS = {"expression": "标签条件", "name": ("请填写标签名称", "已有名为")}


class TagRuleView(AppModelView):
    datamodel = ListInterface(TagRule)
    route_base = "/tagrules"
    base_permissions = ["can_list", "can_export", "can_new_tag", "can_edit_tag",
                        "can_check_criterion"]
    list_title = _l("Tag rules")
    list_columns = ["name", "expression", "active", "updated_at", "updated_by"]
    label_columns = {"name": _l("Tag"), "name_en": _l("English name"),
                     "expression": _l("Criterion"), "active": _l("Active"),
                     "updated_at": _l("Changed on"), "updated_by": _l("Changed by")}
    order_columns = ["name", "updated_at"]
    search_columns = ["name", "expression", "active"]
    quick_filters = ("name",)
    formatters_columns = {"name": in_language(TagRule)}
    shown_formatters = {"updated_by": real_name}
    base_order = ("position", "asc")
    row_links = [("TagRuleView.edit_tag", _l("Edit"), "can_edit_tag", "primary")]
    extra_args = {"list_links": [("TagRuleView.new_tag", _l("New tag rule"), "fa-plus")]}

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def new_tag(self):
        return self._form(None)

    @expose("/edit/<int:pk>", methods=["GET", "POST"])
    @has_access
    def edit_tag(self, pk):
        rule = db.session.get(TagRule, pk)
        if rule is None:
            abort(404)
        return self._form(rule)

    def _form(self, rule: TagRule | None):
        values = {"name": rule.name if rule else "", "name_en": (rule.name_en or "") if rule
                  else "", "expression": rule.expression if rule else "",
                  "active": rule.active if rule else True}
        errors, notes = {}, {}
        if request.method == "POST":
            form = request.form
            values = {"name": form.get("name", ""), "name_en": form.get("name_en", ""),
                      "expression": form.get("expression", ""),
                      "active": form.get("active") == "y"}
            if form.get("do") == "check":
                ok, message = checked(values["expression"], "expression")
                (notes if ok else errors)["expression"] = message
            elif self._save(rule, values, errors):
                flash(_("Saved the tag %(name)s. Profiles show it where its criterion holds.",
                        name=values["name"].strip()), "success")
                return redirect(url_for("TagRuleView.list"))
        title = _("Edit tag rule: %(name)s", name=in_language(TagRule)(rule.name)) if rule \
            else _("New tag rule")
        return self.render_template("profiles/tags_edit.html", rule=rule, values=values,
                                    errors=errors, notes=notes, help=criterion_help(),
                                    title=title)

    def _save(self, rule: TagRule | None, values: dict, errors: dict) -> bool:
        try:
            criteria.save_tag(values["name"], values["expression"],
                              name_en=values["name_en"].strip() or None,
                              active=values["active"], tag=rule)
        except ProfileError as error:
            db.session.rollback()
            errors[field_of_error(error, ERROR_FIELDS)] = error.message(current_language())
            return False
        except IntegrityError:
            db.session.rollback()
            errors["name"] = _("Another tag has this name: choose another.")
            return False
        return True

    @expose("/check", methods=["POST"])
    @has_access
    def check_criterion(self):
        """Checks a tag's criterion as it is typed, without saving."""
        ok, message = checked(request.form.get("criterion", ""), "expression")
        return jsonify(ok=ok, message=message)
