"""A record's value as a page shows it, by the field's type in the dictionary: amounts
1,234.50, whole numbers as they are, dates 2026-12-07, regions and options by name in the
user's language, yes/no in words, "—" when there is none."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from app.domain import display
from app.domain.records import fields as F
from app.views.shell import names


def field_value(field: F.Field, value) -> str:
    if value is None or value == "" or value == []:
        return display.MISSING
    if field.type == F.REGION:
        return names.region_name(value, full=True) or str(value)
    if field.type in (F.ENUM, F.MULTI_ENUM):
        return names.option_label(value, field.key)
    if isinstance(value, bool) or field.type == F.BOOL:
        return _("Yes") if value else _("No")
    if isinstance(value, (dt.date, dt.datetime)):
        return display.day(value)
    if isinstance(value, (list, tuple)):
        return names.joined(value)
    if isinstance(value, float):
        return display.amount(value) if field.unit else display.count(value)
    if isinstance(value, int):
        return display.count(value) if abs(value) >= 10_000 else str(value)
    return str(value)
