"""Profile criteria and the pool decision (SPEC §12.4), as plain Python."""

from __future__ import annotations

import pytest

from app.domain.expressions import ExpressionError
from app.domain.pools import ENTER, EXIT, MAIN, PARALLEL, PROMOTE, Tier, decide
from app.domain.profiles import (
    FALSE,
    INSUFFICIENT,
    TRUE,
    Profile,
    compile_criterion,
    growth,
    zero_divisors,
)


def _profile(**years) -> Profile:
    return Profile(years={int(y[1:]): values for y, values in years.items()})


def test_growth_is_compound_over_the_span_and_needs_both_years():
    profile = _profile(y2022={"revenue": 1000.0}, y2025={"revenue": 1331.0})
    assert growth(profile, "revenue", 3, 2025) == pytest.approx(0.1)
    assert growth(profile, "revenue", 1, 2025) is None  # no 2024
    assert growth(_profile(y2022={"revenue": 0.0}, y2025={"revenue": 5.0}),
                  "revenue", 3, 2025) is None  # no rate from zero


def test_a_criterion_reads_the_latest_year_and_growth():
    criterion = compile_criterion("revenue >= 1000 and growth(revenue, 3) >= 0.1")
    profile = _profile(y2022={"revenue": 1000.0}, y2025={"revenue": 1331.0})
    verdict, values = criterion.evaluate(profile)
    assert verdict == TRUE
    assert values["revenue"] == 1331.0 and values["growth__revenue__3"] == pytest.approx(0.1)
    assert criterion.evaluate(_profile(y2024={"revenue": 900.0}, y2025={"revenue": 1331.0}))[0] \
        == INSUFFICIENT  # the years growth needs are missing: 数据不足, never guessed


def test_a_missing_value_that_decides_nothing_does_not_make_it_insufficient():
    criterion = compile_criterion("revenue >= 2000 and growth(revenue, 3) >= 0.2")
    assert criterion.evaluate(_profile(y2025={"revenue": 500.0}))[0] == FALSE
    assert compile_criterion('"高新技术企业" in qualifications').evaluate(
        _profile(y2025={"revenue": 1.0}))[0] == FALSE  # no qualifications: none, not unknown


def test_a_year_without_data_is_insufficient():
    criterion = compile_criterion("revenue > 0")
    assert criterion.evaluate(_profile(y2023={"revenue": 1.0}), 2025)[0] == INSUFFICIENT
    assert criterion.evaluate(Profile())[0] == INSUFFICIENT


@pytest.mark.parametrize("text, where", [
    ("revenue >= (1000", "character"),
    ("revenue >= 1000 and turnover > 3", "character 21"),
    ("growth(name, 3) > 0.1", "character 8"),
    ("growth(revenue, 30) > 0.1", "character 17"),
    ("growth(revenue) > 0.1", "character 1"),
])
def test_a_bad_criterion_is_refused_with_its_position(text, where):
    with pytest.raises(ExpressionError) as refused:
        compile_criterion(text)
    assert where in refused.value.message_en
    assert "字符" in refused.value.message_zh


def test_division_by_zero_on_some_profiles_is_found_with_its_position():
    profiles = [_profile(y2025={"revenue": 0.0, "rd_expense": 5.0}),
                _profile(y2025={"revenue": 100.0, "rd_expense": 5.0})]
    unguarded = compile_criterion("rd_expense / revenue >= 0.1")
    assert zero_divisors(unguarded, profiles) == [(14, 1)]
    guarded = compile_criterion("revenue > 0 and rd_expense / revenue >= 0.1")
    assert zero_divisors(guarded, profiles) == []


def _tiers():
    def tier(key, position, entry, leave=None, track=MAIN):
        return Tier(key, key, track, position, compile_criterion(entry),
                    compile_criterion(leave) if leave else None)
    return [tier("sme", 0, "revenue <= 20000", "revenue > 20000"),
            tier("high", 1, '"高新技术企业" in qualifications',
                 '"高新技术企业" not in qualifications'),
            tier("gazelle", 2, "growth(revenue, 3) >= 0.2", "growth(revenue, 1) < -0.1"),
            tier("special", 9, '"专精特新中小企业" in qualifications', track=PARALLEL,
                 leave='"专精特新中小企业" not in qualifications')]


def test_an_enterprise_enters_the_highest_tier_it_meets():
    profile = _profile(y2022={"revenue": 1000.0},
                       y2025={"revenue": 2000.0, "qualifications": ["高新技术企业"]})
    decision = decide(profile, _tiers(), set())
    assert [(p.pool, p.change) for p in decision.proposals] == [("gazelle", ENTER)]
    assert "gazelle" in decision.proposals[0].reasons[0]


def test_a_member_is_promoted_and_never_moved_down_by_entry_criteria():
    profile = _profile(y2022={"revenue": 1000.0},
                       y2024={"revenue": 1900.0},
                       y2025={"revenue": 2000.0, "qualifications": ["高新技术企业"]})
    promoted = decide(profile, _tiers(), {"sme"})
    assert [(p.pool, p.change, p.leaves) for p in promoted.proposals] == \
        [("gazelle", PROMOTE, "sme")]
    flat = _profile(y2022={"revenue": 2000.0}, y2024={"revenue": 2000.0},
                    y2025={"revenue": 2000.0})
    assert decide(flat, _tiers(), {"gazelle"}).proposals == ()


def test_a_member_whose_exit_holds_exits_and_the_parallel_track_moves_alone():
    profile = _profile(y2024={"revenue": 30000.0},
                       y2025={"revenue": 25000.0, "qualifications": ["专精特新中小企业"]})
    decision = decide(profile, _tiers(), {"sme"})
    assert decision.insufficient  # gazelle's entry lacks 2022: it cannot be ruled out
    enough = _profile(y2022={"revenue": 30000.0}, y2024={"revenue": 30000.0},
                      y2025={"revenue": 25000.0, "qualifications": ["专精特新中小企业"]})
    changes = {(p.pool, p.change) for p in decide(enough, _tiers(), {"sme"}).proposals}
    assert changes == {("sme", EXIT), ("special", ENTER)}
    left = _profile(y2022={"revenue": 30000.0}, y2025={"revenue": 25000.0})
    assert {(p.pool, p.change) for p in decide(left, _tiers(), {"special"}).proposals} == \
        {("special", EXIT)}
