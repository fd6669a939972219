"""The search a list opens with: the few filters people use, shown as fields (text, a choice,
the region as a cascader 市 → 县), written into FAB's own filter arguments (``_flt_…``) so
that the list, its pages, its order and its Excel export read them as usual. Every other
filter stays under 更多筛选 (FAB's search)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app, g, request
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.i18n import current_language
from app.models import Region
from app.security.scope import ALL, REGION, scope_of
from app.views.shell.kept_fragments import rendered_fields

# FAB's filter positions (models/sqla/filters.py conversion_table)
TEXT_CONTAINS, TEXT_EQUAL, TEXT_STARTS, RELATION_EQUAL, BOOLEAN_EQUAL = 2, 3, 0, 0, 0


@dataclass
class QuickField:
    kind: str  # "text", "select" or "region"
    name: str  # the request argument: FAB's _flt_<index>_<column>
    label: str
    value: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)


def _label(view, column: str) -> str:
    return str(view.label_columns.get(column, column))


def _argument(index: int, column: str) -> tuple[str, str]:
    name = f"_flt_{index}_{column}"
    return name, request.args.get(name, "")


def fields_of(view, columns: tuple[str, ...],
              choices: dict[str, Callable[[], list[tuple[str, str]]]]) -> list[QuickField]:
    datamodel = view.datamodel
    found = []
    for column in columns:
        if column == "region":
            name, value = _argument(TEXT_STARTS, "region_code")
            found.append(QuickField("region", name, _label(view, "region"), value))
        elif column in choices:
            name, value = _argument(TEXT_EQUAL, column)
            found.append(QuickField("select", name, _label(view, column), value,
                                    choices[column]()))
        elif datamodel.is_relation_many_to_one(column):
            name, value = _argument(RELATION_EQUAL, column)
            found.append(QuickField("select", name, _label(view, column), value,
                                    _related(datamodel, column)))
        elif datamodel.is_boolean(column):
            name, value = _argument(BOOLEAN_EQUAL, column)
            found.append(QuickField("select", name, _label(view, column), value,
                                    [("y", _("Yes")), ("n", _("No"))]))
        else:
            name, value = _argument(TEXT_CONTAINS, column)
            found.append(QuickField("text", name, _label(view, column), value))
    return found


def _related(datamodel, column: str, limit: int = 300) -> list[tuple[str, str]]:
    """The choices of a relation (activities, runs, lists), newest first; kept like FAB's
    search fields (``SEARCH_FIELDS_CACHE_SECONDS``): a new one shows once they expire."""
    model = datamodel.get_related_model(column)
    seconds = int(current_app.config.get("SEARCH_FIELDS_CACHE_SECONDS") or 0)
    key = repr(("quick choices", model.__name__, current_language()))
    options = rendered_fields.get(key) if seconds > 0 else None
    if options is None:
        rows = db.session.execute(select(model).order_by(model.id.desc()).limit(limit))
        options = [(str(row.id), str(row)) for row in rows.scalars()]
        if seconds > 0:
            rendered_fields.set(key, options, timeout=seconds)
    return options


def region_tree() -> dict | None:
    """The user's own area for the cascader: its cities with their counties (a province
    user), its counties (a city user); None below (a county has nothing to choose)."""
    scope = scope_of(getattr(g, "user", None))
    base = scope.region_code if scope.kind == REGION else \
        current_app.config["PROVINCE_CODE"] if scope.kind == ALL else None
    if not base or len(base) >= 6:
        return None
    key = repr(("region tree", base, current_language()))
    tree = rendered_fields.get(key)
    if tree is None:
        rows = db.session.execute(select(Region).where(
            Region.code.startswith(base), Region.code != base).order_by(Region.code)).scalars()
        children: dict[str, list] = {}
        for region in rows:
            children.setdefault(region.parent_code, []).append([region.code, region.label()])
        tree = {"base": base, "children": children}
        rendered_fields.set(key, tree, timeout=3600)
    return tree
