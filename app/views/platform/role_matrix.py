"""A read-only overview of what each role may do, generated from app.security.roles."""

from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l

from app.security import roles

PERMISSION_LABELS = {
    "can_list": _l("List"),
    "can_show": _l("Open"),
    "can_add": _l("Add"),
    "can_edit": _l("Edit"),
    "can_delete": _l("Delete"),
    "can_export": _l("Export to Excel"),
}


class RoleMatrixView(BaseView):
    route_base = "/roles"
    default_view = "show"

    @expose("/")
    @has_access
    def show(self):
        rows = []
        for label_of_screen, view_name in _screens(self.appbuilder.menu.get_list()):
            permissions = roles.ACCESS.get(view_name, {})
            for permission, label in PERMISSION_LABELS.items():
                if permission in permissions:
                    rows.append((label_of_screen, label,
                                 [roles.grants(role, view_name, permission)
                                  for role in roles.ROLES]))
        return self.render_template(
            "role_matrix.html",
            role_labels=[roles.ROLE_LABELS[r] for r in roles.ROLES],
            rows=rows,
            title=_l("Roles and permissions"),
        )


def _screens(items) -> list[tuple[object, str]]:
    """(label, view name) of every screen the menu registered, in the menu's order."""
    found = []
    for item in items:
        if item.baseview is not None:
            found.append((item.label, type(item.baseview).__name__))
        found += _screens(item.childs)
    return found
