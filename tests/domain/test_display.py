"""Numbers as officials read them: never "None", never "1200.0"."""

import datetime as dt
import decimal

import pytest

from app.domain import display


@pytest.mark.parametrize("value, shown", [(None, "—"), (0, "0"), (1200.0, "1,200"),
                                          (12345, "12,345"), (2.5, "2.50"), ("", "—")])
def test_count(value, shown):
    assert display.count(value) == shown


@pytest.mark.parametrize("value, shown", [(None, "—"), (0, "0.00"), (1234.5, "1,234.50"),
                                          (decimal.Decimal("3.005"), "3.00"),
                                          (float("nan"), "—"), (True, "—")])
def test_amount(value, shown):
    assert display.amount(value) == shown


def test_percent_score_day_text():
    assert display.percent(12.345) == "12.3%" and display.percent(None) == "—"
    assert display.score(87.254) == "87.25" and display.score(None) == "—"
    assert display.day(dt.date(2026, 12, 7)) == "2026-12-07"
    assert display.day(dt.datetime(2026, 12, 7, 9, 30)) == "2026-12-07"
    assert display.day(None) == "—" and display.text(None) == "—" and display.text(0) == "0"
