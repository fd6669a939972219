"""Account screens: FAB's user view with region/enterprise/bank pickers and
our policy, and a password change that asks for the current password."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request
from flask_appbuilder import SimpleFormView, expose
from flask_appbuilder.actions import action
from flask_appbuilder.fields import QuerySelectMultipleField
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget, Select2ManyWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security.sqla.models import Role
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash
from wtforms import PasswordField, ValidationError
from wtforms.validators import DataRequired, EqualTo

from app.domain import accounts
from app.domain.regions import level_of
from app.security import roles
from app.security.policy import username_validator
from app.views.shell.base import InDeploymentProvince


def _role_label(role) -> str:
    return str(roles.ROLE_LABELS.get(role.name, role.name))


def _our_roles():
    from app.extensions import db

    return db.session.query(Role).filter(Role.name.in_(roles.ROLES)).order_by(Role.id)


def organisation_validator(form, field) -> None:
    """The role decides what the user must be attached to (SPEC §2)."""
    role_names = [r.name for r in (form.roles.data or [])]
    region = form.region.data if hasattr(form, "region") else None
    problems = accounts.organisation_problems(
        role_names,
        level_of(region.code) if region else None,
        bool(getattr(form, "enterprise", None) and form.enterprise.data),
        bool(getattr(form, "bank", None) and form.bank.data),
        roles.REGION_LEVEL_OF_ROLE,
        roles.ENTERPRISE,
        roles.BANK,
    )
    messages = {
        accounts.NEEDS_ONE_ROLE: _("Choose exactly one role."),
        accounts.REGION_LEVEL_MISMATCH: _(
            "Choose a region of the role's level: a province for a province "
            "administrator, a city for a city reviewer, a county for a county reviewer."
        ),
        accounts.NEEDS_ENTERPRISE: _("Choose the enterprise this user acts for."),
        accounts.NEEDS_BANK: _("Choose the financial institution this user works for."),
    }
    if problems:
        raise ValidationError(" ".join(messages[p] for p in problems))


class AppUserView(UserDBModelView):
    list_columns = ["username", "first_name", "last_name", "roles", "region", "enterprise",
                    "bank", "active", "last_login"]
    _org = ["region", "enterprise", "bank"]
    add_columns = ["username", "first_name", "last_name", "email", "active", "roles", *_org,
                   "password", "conf_password"]
    edit_columns = ["username", "first_name", "last_name", "email", "active", "roles", *_org]
    show_fieldsets = [
        (_l("User info"), {"fields": ["username", "active", "roles", *_org, "login_count"]}),
        (_l("Personal Info"), {"fields": ["first_name", "last_name", "email"]}),
        (_l("Audit Info"), {"fields": ["last_login", "fail_login_count", "locked_until",
                                       "created_on", "created_by", "changed_on", "changed_by"]}),
    ]
    search_columns = ["username", "first_name", "last_name", "email", "active", "roles",
                      "region", "enterprise", "bank", "last_login"]
    label_columns = {
        **UserDBModelView.label_columns,
        "region": _l("Region"),
        "enterprise": _l("Enterprise"),
        "bank": _l("Financial institution"),
        "locked_until": _l("Locked until"),
        "username": _l("Login name"),
    }
    description_columns = {
        "username": _l("Letters, digits and underscore only."),
        "region": _l("Province for a province administrator, city for a city reviewer, "
                     "county for a county reviewer."),
        "enterprise": _l("Only for enterprise users."),
        "bank": _l("Only for financial institution users."),
    }
    formatters_columns = {"roles": lambda rs: ", ".join(_role_label(r) for r in rs)}
    add_form_query_rel_fields = {"region": [["code", InDeploymentProvince, None]]}
    edit_form_query_rel_fields = add_form_query_rel_fields
    validators_columns = {
        "username": [username_validator],
        "roles": [organisation_validator],
    }
    base_order = ("username", "asc")

    def __init__(self, **kwargs):
        roles_field = QuerySelectMultipleField(
            _l("Role"),
            query_func=_our_roles,
            get_pk_func=lambda role: role.id,
            get_label=_role_label,
            widget=Select2ManyWidget(),
            validators=[DataRequired(), organisation_validator],
        )
        self.add_form_extra_fields = {**UserDBModelView.add_form_extra_fields, "roles": roles_field}
        self.edit_form_extra_fields = {"roles": roles_field}
        super().__init__(**kwargs)

    @action("unlock", _l("Unlock"), _l("Unlock the selected accounts?"), "fa-unlock")
    def unlock(self, items):
        items = items if isinstance(items, list) else [items]
        for user in items:
            if user is not None:
                self.appbuilder.sm.unlock(user)
        flash(_("Accounts unlocked."), "success")
        return redirect(self.get_redirect())

    # The self-service actions act on the signed-in user whatever row they are called on:
    # called on another user's row, that row does not exist for the caller.
    SELF_SERVICE = frozenset({"resetmypassword", "userinfoedit"})

    def _check_action(self, name: str, pks: list[str]) -> None:
        """404/403 as on every other screen, where FAB would redirect (or fail with a 500
        on an action name it does not know)."""
        if name not in self.actions:
            abort(404)
        if not self.appbuilder.sm.has_access(self.get_action_permission_name(name),
                                             self.class_permission_name):
            abort(403)
        if name in self.SELF_SERVICE and any(str(pk) != str(g.user.id) for pk in pks):
            abort(404)

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        self._check_action(name, [pk])
        return super().action(name, pk)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        self._check_action(request.form.get("action", ""), request.form.getlist("rowid"))
        return super().action_post()


class ChangePasswordForm(DynamicForm):
    old_password = PasswordField(_l("Current password"), validators=[DataRequired()],
                                 widget=BS3PasswordFieldWidget())
    password = PasswordField(
        _l("New password"),
        description=_l("At least 8 characters, mixing three of: upper case, lower case, "
                       "digits, symbols."),
        validators=[DataRequired()],
        widget=BS3PasswordFieldWidget(),
    )
    conf_password = PasswordField(
        _l("Confirm new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("Passwords must match"))],
        widget=BS3PasswordFieldWidget(),
    )

    def validate_old_password(self, field):
        if not check_password_hash(g.user.password or "", field.data or ""):
            raise ValidationError(_("The current password is not correct."))

    def validate_password(self, field):
        from app.security.policy import password_messages

        problems = password_messages(field.data)
        if problems:
            raise ValidationError(" ".join(problems))


class ChangePasswordView(SimpleFormView):
    route_base = "/resetmypassword"
    form = ChangePasswordForm
    form_title = _l("Change my password")
    message = _l("Your password has been changed.")
    redirect_url = "/users/userinfo/"

    def form_post(self, form):
        self.appbuilder.sm.reset_password(g.user.id, form.password.data)
        flash(str(self.message), "info")
