"""The 公示 procedure's rules in plain Python (SPEC §12.3): periods in working days, objection
moves, registration numbers, reproducible samples."""

from __future__ import annotations

import datetime as dt

import pytest

from app.domain import publicity as P


def test_a_period_counts_working_days_from_the_publishing_day_last_day_included():
    monday = dt.date(2026, 12, 7)
    assert P.period_end(monday, 5) == dt.date(2026, 12, 11)  # Mon–Fri
    friday = dt.date(2026, 12, 11)
    assert P.period_end(friday, 5) == dt.date(2026, 12, 17)  # Fri, Mon–Thu
    saturday = dt.date(2026, 12, 12)
    assert P.period_end(saturday, 1) == dt.date(2026, 12, 14)


def test_holidays_are_skipped_and_make_up_days_count():
    start = dt.date(2026, 9, 30)  # Wednesday; 10-01 … 10-07 national holidays
    holidays = [dt.date(2026, 10, d) for d in range(1, 8)]
    assert P.period_end(start, 2, holidays) == dt.date(2026, 10, 8)
    assert P.period_end(start, 2, holidays, workdays=[dt.date(2026, 10, 10)]) == \
        dt.date(2026, 10, 8)
    assert P.period_end(dt.date(2026, 10, 9), 2, holidays,
                        workdays=[dt.date(2026, 10, 10)]) == dt.date(2026, 10, 10)
    with pytest.raises(P.PublicityError):
        P.period_end(start, 0)
    with pytest.raises(P.PublicityError, match="2026-13-01"):
        P.parse_days(["2026-13-01"])


@pytest.mark.parametrize("current, target, allowed", [
    (P.PENDING, P.REFUSED, True), (P.PENDING, P.INVESTIGATING, True),
    (P.PENDING, P.UPHELD, True), (P.INVESTIGATING, P.NOT_UPHELD, True),
    (P.INVESTIGATING, P.REFUSED, False), (P.UPHELD, P.NOT_UPHELD, False),
    (P.REFUSED, P.UPHELD, False)])
def test_objection_moves(current, target, allowed):
    if allowed:
        P.check_objection_move(current, target)
    else:
        with pytest.raises(P.PublicityError):
            P.check_objection_move(current, target)


def test_registration_numbers_follow_the_pattern():
    assert P.registration_number(P.DEFAULT_NUMBER_PATTERN, 2026, "210202", 123) == \
        "2026210202000123"
    assert P.registration_number("KJ{year}-{region4}-{seq:04d}", 2026, "210202", 7) == \
        "KJ2026-2102-0007"
    assert P.serial_scope(P.DEFAULT_NUMBER_PATTERN, 2026, "210202") == "2026210202"
    with pytest.raises(P.PublicityError):
        P.registration_number("{year}{nope}", 2026, "210202", 1)


def test_samples_are_reproducible_whatever_the_order():
    pool = [f"E{i:03d}" for i in range(100)]
    first = P.draw_sample(pool, 0.1, seed=42)
    assert len(first) == 10 and first == P.draw_sample(list(reversed(pool)), 0.1, seed=42)
    assert first != P.draw_sample(pool, 0.1, seed=43)
    assert P.draw_sample(pool[:3], 0.01, seed=1) and P.draw_sample([], 0.5, seed=1) == []
    with pytest.raises(P.PublicityError):
        P.draw_sample(pool, 0, seed=1)


def test_query_codes_avoid_misread_letters():
    code = P.query_code()
    assert len(code) == 10 and not set(code) & set("01OI")
