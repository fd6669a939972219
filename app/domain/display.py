"""Numbers as officials read them, the same in every page and export (issue: "Figures on
screen"): thousands separators, amounts in 万元 with two decimals, percentages with one,
scores with two, whole numbers without ".0", and "—" for a missing value — never "None".
Pure functions, registered as Jinja filters in ``create_app``."""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import Any

MISSING = "—"


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool) or value == "":
        return None
    if isinstance(value, (int, float, decimal.Decimal)):
        number = float(value)
        return None if math.isnan(number) else number
    try:
        return float(str(value).replace(",", ""))
    except ValueError:
        return None


def count(value: Any) -> str:
    """A whole number: 12,345 (a float that is whole loses its ".0")."""
    number = _number(value)
    if number is None:
        return MISSING
    if number.is_integer():
        return f"{int(number):,}"
    return f"{number:,.2f}"


def amount(value: Any) -> str:
    """Money in 万元: 1,234.50."""
    number = _number(value)
    return MISSING if number is None else f"{number:,.2f}"


def percent(value: Any) -> str:
    """A percentage, given in per cent: 12.3%."""
    number = _number(value)
    return MISSING if number is None else f"{number:,.1f}%"


def score(value: Any) -> str:
    """Points: 87.25."""
    number = _number(value)
    return MISSING if number is None else f"{number:,.2f}"


def day(value: Any) -> str:
    """A date as 2026-12-07 (a time keeps its date only)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%Y-%m-%d")
    return MISSING if value in (None, "") else str(value)


def text(value: Any) -> str:
    """Any other value: "—" when there is none."""
    return MISSING if value is None or value == "" else str(value)


# Jinja filter names ("count" is Jinja's own length filter).
FILTERS = {"number": count, "amount": amount, "percent": percent, "points": score, "day": day,
           "or_dash": text}
