"""The cohort (SPEC §9): every scorable record counts, whichever records a run re-scores;
confirmed records count with their stored values. Both reference projects."""

import datetime as dt
import random
from pathlib import Path

import pytest

from app.domain import scoring
from app.domain.scoring import files as project_files

SHARED = Path(__file__).resolve().parents[2] / "app" / "data" / "indicator-projects"
INNOVATION = project_files.load((SHARED / "innovation-points-2.0.yaml").read_bytes())
TECH_SME = project_files.load((SHARED / "tech-sme-evaluation.yaml").read_bytes())


def _records(count: int, seed: int = 7) -> list[tuple[int, dict]]:
    rng = random.Random(seed)
    rows = []
    for key in range(count):
        revenue = round(rng.uniform(100, 20000), 1)
        employees = rng.randint(5, 400)
        rows.append((key, {
            "registration_date": dt.date(rng.randint(2008, 2024), rng.randint(1, 12), 1),
            "rd_expense": round(revenue * rng.uniform(0, 0.12), 1), "revenue": revenue,
            "main_revenue": round(revenue * rng.uniform(0.6, 1), 1),
            "revenue_prev": round(revenue * rng.uniform(0.5, 1.3), 1),
            "rd_staff": rng.randint(0, employees), "employees": employees,
            "tech_staff": rng.randint(0, employees),
            "invention_patents": rng.randint(0, 5), "ip_count": rng.randint(5, 20),
            "net_profit": round(revenue * rng.uniform(-0.1, 0.2), 1),
            "equity_begin": round(rng.uniform(100, 5000), 1),
            "equity_end": round(rng.uniform(100, 5000), 1),
            "tech_contract_in": rng.choice([0, 0, 50, 300]), "tech_contract_out": 0,
            "financing_amount": rng.choice([0, 200, 800, 2500]),
            "standards": rng.randint(0, 2), "tech_field": rng.choice(["电子信息", "新材料"]),
            "total_cost": round(revenue * 0.8, 1), "ip_class1": 0,
        }))
    return rows


def _frozen(results: list[scoring.Result], records: dict[int, dict], keys) -> list:
    """Confirmed members as the service builds them: stored stage, eligibility, values."""
    by_key = {r.key: r for r in results}
    return [scoring.FrozenMember(
        by_key[k].stage, records[k].get("tech_field"), by_key[k].eligible,
        {code: b.value for code, b in by_key[k].indicators.items()}, records[k])
        for k in keys]


def _totals(results):
    return {r.key: r.total for r in results}


@pytest.mark.parametrize("project", [INNOVATION, TECH_SME], ids=["2.0", "tech-sme"])
def test_one_new_record_beside_299_confirmed_scores_as_in_a_run_over_all(project):
    rows = _records(300)
    everything = scoring.score(project, rows, 2025)
    records = dict(rows)
    alone = scoring.score_cohort(project, rows[-1:], 2025,
                                 frozen=_frozen(everything, records, range(299))).results
    assert len(alone) == 1
    assert alone[0].total == everything[-1].total
    assert alone[0].grade == everything[-1].grade
    # Without the cohort the same record would be compared with itself alone.
    if project is INNOVATION:
        assert scoring.score(project, rows[-1:], 2025)[0].total != everything[-1].total


def test_confirming_a_third_and_rerunning_leaves_the_rest_as_a_run_over_all():
    rows = _records(300, seed=11)
    everything = scoring.score(INNOVATION, rows, 2025)
    records = dict(rows)
    rerun = scoring.score_cohort(INNOVATION, rows[100:], 2025,
                                 frozen=_frozen(everything, records, range(100)))
    assert _totals(rerun.results) == {k: v for k, v in _totals(everything).items() if k >= 100}
    assert [r.indicators for r in rerun.results] == [r.indicators for r in everything[100:]]


def test_a_confirmed_record_counts_with_its_stored_values_not_its_edited_data():
    rows = _records(60, seed=3)
    everything = scoring.score(INNOVATION, rows, 2025)
    records = {k: dict(v) for k, v in rows}
    frozen = _frozen(everything, records, range(30))
    for key in range(30):  # the enterprises edit their data after confirmation
        records[key]["rd_expense"] = records[key]["rd_expense"] * 50 + 1000
    again = scoring.score_cohort(INNOVATION, rows[30:], 2025, frozen=frozen).results
    assert _totals(again) == {k: v for k, v in _totals(everything).items() if k >= 30}


def test_an_indicator_the_stored_values_lack_comes_from_the_current_data():
    rows = _records(40, seed=5)
    everything = scoring.score(INNOVATION, rows, 2025)
    records = dict(rows)
    frozen = [scoring.FrozenMember(m.stage, m.tech_field, m.eligible,
                                   {k: v for k, v in m.values.items() if k != "rd_expense"},
                                   m.record)
              for m in _frozen(everything, records, range(20))]
    again = scoring.score_cohort(INNOVATION, rows[20:], 2025, frozen=frozen).results
    assert _totals(again) == {k: v for k, v in _totals(everything).items() if k >= 20}


def test_a_subset_is_normalised_against_its_companions():
    rows = _records(120, seed=9)
    everything = scoring.score(INNOVATION, rows, 2025)
    subset = rows[10:22]
    companions = rows[:10] + rows[22:]
    part = scoring.score_cohort(INNOVATION, subset, 2025, companions=companions)
    assert [r.key for r in part.results] == [k for k, _v in subset]
    assert _totals(part.results) == {k: v for k, v in _totals(everything).items()
                                     if 10 <= k < 22}


def test_ineligible_frozen_members_stay_out_of_the_cohort():
    rows = _records(20, seed=2)
    records = dict(rows)
    everything = scoring.score(INNOVATION, rows, 2025)
    ineligible = [scoring.FrozenMember("growth", None, False, {"rd_expense": 1e9}, {})]
    again = scoring.score_cohort(INNOVATION, rows, 2025, frozen=ineligible)
    assert _totals(again.results) == _totals(everything)
    assert sum(again.cohorts["stages"].values()) == sum(r.eligible for r in everything)
    assert records  # the records themselves are unchanged by scoring


def test_cohort_figures_count_every_member_per_stage_and_indicator():
    rows = _records(90, seed=4)
    everything = scoring.score(INNOVATION, rows, 2025)
    records = dict(rows)
    scored = scoring.score_cohort(INNOVATION, rows[:5], 2025, companions=rows[5:60],
                                  frozen=_frozen(everything, records, range(60, 90)))
    stages = {}
    for r in everything:
        if r.eligible:
            stages[r.stage] = stages.get(r.stage, 0) + 1
    assert scored.cohorts["stages"] == stages and scored.cohorts["min_size"] == 30
    rd = scored.cohorts["indicators"]["rd_expense"]
    for stage, size in stages.items():
        values = [records[r.key]["rd_expense"] for r in everything
                  if r.eligible and r.stage == stage]
        assert rd[stage] == {"size": size, "min": min(values), "max": max(values)}
    assert "financing" not in scored.cohorts["indicators"]  # bands compare with nobody
    # the breakdown of a record names its cohort and the size with everyone counted
    breakdown = scored.results[0].indicators["rd_expense"]
    assert breakdown.cohort == scored.results[0].stage
    assert breakdown.cohort_size == stages[scored.results[0].stage]


def test_small_cohorts_are_named_per_stage_when_scores_compare_within_them():
    assert INNOVATION.min_cohort_size == 30 and INNOVATION.uses_cohorts
    assert INNOVATION.small_cohorts({"startup": 4, "growth": 30, "mature": 29}) == [
        ("startup", 4), ("mature", 29)]
    assert INNOVATION.small_cohorts({"growth": 31}) == []  # an empty stage is no cohort
    assert not TECH_SME.uses_cohorts and TECH_SME.small_cohorts({"*": 2}) == []
    custom = scoring.parse({**INNOVATION.definition, "min_cohort_size": 5})
    assert custom.small_cohorts({"startup": 4, "growth": 5}) == [("startup", 4)]


@pytest.mark.parametrize("bad", [0, -3, 2.5, "30", True, 10**6])
def test_a_bad_minimum_cohort_size_is_refused(bad):
    with pytest.raises(scoring.ProjectError) as error:
        scoring.parse({**INNOVATION.definition, "min_cohort_size": bad})
    assert "最小同级比较群体" in error.value.message_zh


def test_only_a_project_with_a_pass_rule_or_direct_pass_decides_passing():
    assert TECH_SME.decides_pass and not INNOVATION.decides_pass
    assert all(r.passed is None for r in scoring.score(INNOVATION, _records(5), 2025))
