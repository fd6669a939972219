"""Base classes every list screen uses: Excel export of the filtered list, and
regional scoping that FAB applies to list, show, edit, delete and actions."""

from __future__ import annotations

import datetime as dt

from flask import Response, abort, current_app, request, url_for
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.urltools import get_filter_args, get_order_args
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.domain import display
from app.domain.regions import code_range
from app.security.scope import restrict
from app.services.platform import audit
from app.services.platform.excel import xlsx_response
from app.views.shell import quick_search
from app.views.shell.filters import ListInterface
from app.views.shell.kept_fragments import KeptSearchWidget
from app.views.shell.kept_lists import kept_list_widgets


class ScopeFilter(BaseFilter):
    """The user's scope (app.security.scope) as a FAB base filter."""

    name = "scope"

    def apply(self, query, value):
        return restrict(query, self.model)


class InDeploymentProvince(BaseFilter):
    """Region pickers offer the deployment's province, its cities and counties."""

    name = "in deployment province"

    def apply(self, query, value):
        low, high = code_range(current_app.config["PROVINCE_CODE"])
        return query.filter(self.model.code >= low, self.model.code < high)


def shown_cell(value):
    """A list cell as people read it: "—" for no value, yes or no in words, a time to the
    minute, amounts and scores with two decimals and thousands separators, large counts
    with separators (years and numbers under 10,000 as they are)."""
    if value is None or value == "":
        return display.MISSING
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return display.amount(value)
    if isinstance(value, int) and abs(value) >= 10_000:
        return display.count(value)
    return value


class AppModelView(ModelView):
    """A list that filters, sorts and exports what it shows to Excel."""

    list_template = "list_with_export.html"
    search_widget = KeptSearchWidget
    page_size = 20
    export_limit = 100_000
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_delete", "can_export"]

    # Cells formatted for reading only (amounts as 1,234.50, "—" for none, statuses as
    # coloured tags); the export keeps the real values.
    shown_formatters: dict = {}
    # The search the list opens with (app/views/shell/quick_search.py): columns, and the
    # choices of those that take one of a few values (column -> callable giving
    # (value, label) pairs).
    quick_filters: tuple[str, ...] = ()
    quick_choices: dict = {}
    # Labelled buttons at the end of each row besides 查看/编辑/删除:
    # (endpoint taking pk, label, permission, Bootstrap style).
    row_links: list[tuple[str, object, str, str]] = []
    show_label = _l("View")  # the row's button to open the record (审核 in a review queue)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # The view's own formatters serve the export too; list and show cells also get
        # ``shown_cell`` (no "None", times to the minute), the export keeps real values.
        self.export_formatters = dict(self.formatters_columns)
        shown = [*self.list_columns, *self.show_columns]
        self.formatters_columns = {**{column: shown_cell for column in shown},
                                   **self.formatters_columns, **self.shown_formatters}
        if isinstance(self.datamodel, ListInterface):
            self.datamodel.shown_relations = tuple(
                column for column in self.list_columns
                if self.datamodel.is_relation_many_to_one(column))

    def render_template(self, template, **kwargs):
        kwargs.setdefault("view", self)
        return super().render_template(template, **kwargs)

    def quick_search(self) -> list:
        return quick_search.fields_of(self, self.quick_filters, self.quick_choices) \
            if self.quick_filters else []

    def _get_list_widget(self, filters, **kwargs):
        kwargs.setdefault("row_links", self.row_links)
        kwargs.setdefault("show_label", self.show_label)
        kwargs.setdefault("list_links", [
            (url_for(endpoint), label, icon, endpoint.rsplit(".", 1)[-1])
            for endpoint, label, icon in (self.extra_args or {}).get("list_links", [])
            if self.appbuilder.sm.has_access("can_" + endpoint.rsplit(".", 1)[-1],
                                             endpoint.split(".", 1)[0])])
        if self.appbuilder.sm.has_access("can_export", self.class_permission_name):
            query = request.query_string.decode()
            kwargs.setdefault("export_url", url_for(f"{type(self).__name__}.export")
                              + (f"?{query}" if query else ""))

        def build():
            widgets = super(AppModelView, self)._get_list_widget(filters, **kwargs)
            hidden = self.hidden_list_columns(filters)
            if hidden:
                args = widgets["list"].template_args
                args["include_columns"] = [c for c in args["include_columns"]
                                           if c not in hidden]
            return widgets

        return kept_list_widgets(self, build)

    def _get_search_widget(self, form=None, exclude_cols=None, widgets=None):
        widgets = super()._get_search_widget(form, exclude_cols, widgets)
        hidden = self.hidden_list_columns(self._filters)
        if hidden:
            args = widgets["search"].template_args
            args["include_cols"] = [c for c in args["include_cols"] if c not in hidden]
        return widgets

    def hidden_list_columns(self, filters) -> set[str]:
        """Columns (and their filters) this list leaves out for the current filters: a
        figure that means nothing there (通过 for a project without a pass rule)."""
        return set()

    def export_columns(self, filters) -> list[str]:
        hidden = self.hidden_list_columns(filters)
        return [c for c in self.list_columns if c not in hidden]

    @expose("/export/")
    @has_access
    def export(self) -> Response:
        """The list as the user sees it (filters, order, scope), as an xlsx file."""
        filters = self.datamodel.get_filters(self.search_columns)
        get_filter_args(filters)
        order_column, order_direction = get_order_args().get(
            self.__class__.__name__, self.base_order or ("", "")
        )
        joined = filters.get_joined_filters(self._base_filters)
        _count, items = self.datamodel.query(
            joined, order_column, order_direction, page=0, page_size=self.export_limit
        )
        columns = self.export_columns(filters)
        headers = [str(self.label_columns.get(c, c)) for c in columns]
        rows = ([self._export_value(item, c) for c in columns] for item in items)
        title = str(self.list_title or self.__class__.__name__)
        audit.record(
            audit.EXPORT,
            object_type=self.datamodel.obj.__name__,
            detail=f"{len(items)} rows; {request.query_string.decode()[:400]}",
            commit=True,
        )
        return xlsx_response(title, headers, rows)

    # FAB's action endpoints fail with a 500 on an action name the view does not declare
    # (and accept GET): answer 404, and only to POST, which carries the CSRF token.
    @expose("/action_post", methods=["POST"])
    def action_post(self):
        if request.form.get("action", "") not in self.actions:
            abort(404)
        return super().action_post()

    @expose("/action/<string:name>/<pk>", methods=["POST"])
    def action(self, name, pk):
        if name not in self.actions:
            abort(404)
        return super().action(name, pk)

    def _export_value(self, item, column):
        value = getattr(item, column, None)
        formatter = self.export_formatters.get(column)
        if formatter is not None:
            return formatter(value)
        if isinstance(value, (list, tuple)):
            return ", ".join(str(v) for v in value)
        return value


class ScopedModelView(AppModelView):
    """A screen over a model that declares ``__scope__``: other rows are 404."""

    base_filters = [["id", ScopeFilter, lambda: None]]

    # FAB's action endpoints fetch rows without base filters; scope them here.
    def _items_in_scope(self, pks):
        found = (self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters)
                 for pk in pks)
        return [item for item in found if item is not None]

    # FAB refuses a delete by GET with a redirect before looking at the row: look first, so
    # that another area's row answers 404 whatever the method.
    @expose("/delete/<pk>", methods=["GET", "POST"])
    @has_access
    def delete(self, pk):
        if not self._items_in_scope([pk]):
            return self._scope_refused()
        return super().delete(pk)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        name = request.form.get("action", "")
        if name not in self.actions:
            return self._scope_refused()
        permission = self.get_action_permission_name(name)
        if not self.appbuilder.sm.has_access(permission, self.class_permission_name):
            return self._scope_refused()
        pks = request.form.getlist("rowid")
        items = self._items_in_scope(pks)
        if len(items) != len(pks):  # a row outside the scope does not exist for this user
            return self._scope_refused()
        return self.actions[name].func(items)

    @expose("/action/<string:name>/<pk>", methods=["POST"])
    def action(self, name, pk):
        if name not in self.actions:
            return self._scope_refused()
        permission = self.get_action_permission_name(name)
        if not self.appbuilder.sm.has_access(permission, self.class_permission_name):
            return self._scope_refused()
        items = self._items_in_scope([pk])
        if not items:
            return self._scope_refused()
        return self.actions[name].func(items[0])

    def _scope_refused(self):
        abort(404)

