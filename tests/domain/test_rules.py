"""Every rule of SPEC §5 with a passing and a failing case at its threshold."""

import pytest

from app.domain.records.normalize import Lookups
from app.domain.records.validation import Validator

LOOKUPS = Lookups(province_code="21", county_names={"大连市中山区": "210202"},
                  county_codes=frozenset({"210202", "210203"}),
                  bank_names=frozenset({"工商银行", "中国银行", "建设银行", "农业银行"}))

GOOD = dict(
    name="大连星海智能装备有限公司", uscc="91210202MA0000001J", registration_date="2015-06-01",
    registered_capital=500, legal_representative="张伟", region_code="210202",
    industry_code="C3911", sme_industry="工业", tech_field="先进制造与自动化", scale="小型",
    is_private="是", contact_name="王芳", contact_phone="13812345678",
    contact_email="wang@example.com", main_products="智能装备制造", rd_expense=120, employees=80,
    rd_staff=20, invention_patents=3, ip_count=10, main_revenue=1800, revenue=2000,
    revenue_prev=1700, net_profit=150, equity_begin=800, equity_end=950, total_assets=3000,
    needs_financing="否",
)


@pytest.fixture(scope="module")
def validator():
    return Validator(2025, LOOKUPS)


def fired(validator, derived=None, **changes):
    result = validator.check({**GOOD, **changes}, derived)
    return {f.rule for f in result.findings}


def test_the_good_record_passes_everything(validator):
    assert fired(validator) == set()


CASES = [
    # rule, passing change, failing change
    ("S1", dict(revenue=1800, main_revenue=1800), dict(revenue=1799.99, main_revenue=1800)),
    ("S2", dict(net_profit=199999.99, revenue=2000), dict(net_profit=200000, revenue=2000)),
    ("S3", dict(employees=20, rd_staff=20), dict(employees=20, rd_staff=21)),
    ("S3", dict(employees=1, rd_staff=0), dict(employees=0, rd_staff=0)),
    ("S4", dict(invention_patents=10, ip_count=10), dict(invention_patents=11, ip_count=10)),
    ("S5", dict(contact_phone="19912345678"), dict(contact_phone="12812345678")),
    ("S5", dict(contact_name="欧阳·娜娜"), dict(contact_name="王")),
    ("S5", dict(contact_email="a.b@c.com.cn"), dict(contact_email="a@b")),
    ("S6", dict(rd_expense=0, invention_patents=0, ip_count=1),
     dict(rd_expense=0, invention_patents=0, ip_count=0)),
    ("S7", dict(registration_date="2024-12-31", revenue_prev=10),
     dict(registration_date="2025-01-01", revenue_prev=10)),
    ("S7", dict(registration_date="2025-01-01", revenue_prev=0),
     dict(registration_date="2025-06-01", revenue_prev=0.01)),
    ("S8", dict(ranking_list_name="瞪羚榜", ranking_list_rank="5"),
     dict(ranking_list_name="瞪羚榜", ranking_list_rank="")),
    ("S8", dict(ranking_list_name="", ranking_list_rank=""),
     dict(ranking_list_name="", ranking_list_rank="3")),
    ("W1", dict(rd_expense=2999.99), dict(rd_expense=3000)),
    ("W1", dict(rd_expense=0.01), dict(rd_expense=0)),
    ("W2", dict(revenue=0.01, main_revenue=0), dict(revenue=0, main_revenue=0)),
    ("W2", dict(revenue_prev=0.01), dict(revenue_prev=0)),
    ("W3", dict(revenue=1700, revenue_prev=1.71, main_revenue=100),
     dict(revenue=1700, revenue_prev=1.7, main_revenue=100)),
    ("W3", dict(revenue_prev=1999999, revenue=2000, main_revenue=100),
     dict(revenue_prev=2000000, revenue=2000, main_revenue=100)),
    ("W4", dict(invention_patents=49, ip_count=60), dict(invention_patents=50, ip_count=60)),
    ("W5", dict(ip_count=199), dict(ip_count=200)),
    ("W6", dict(tech_contract_in=999.99, tech_contract_out=999), dict(tech_contract_out=1000)),
    ("W7", dict(net_profit=20.01), dict(net_profit=20)),
    ("W8", dict(equity_begin=1, equity_end=999.99), dict(equity_begin=1, equity_end=1000)),
    ("W8", dict(equity_begin=999.99, equity_end=1), dict(equity_begin=1000, equity_end=1)),
    ("W9", dict(equity_end=9999.99), dict(equity_end=10000)),
    ("W10", dict(municipal_awards=29), dict(provincial_projects=30)),
    ("W11", dict(standards=19), dict(standards=20)),
    ("W12", dict(financing_amount=9999.99), dict(financing_amount=10000)),
    ("W13", dict(name="大连星海智能装备有限公司"), dict(name="大连星海房地产开发有限公司")),
    ("W14", dict(uscc="91210202MA0000001J"), dict(uscc="91350100M000100000")),
    ("W15", dict(scale="小型"), dict(scale="中型")),
    ("W15", dict(employees=999, revenue=50000, main_revenue=100, scale="中型"),
     dict(employees=1000, revenue=40000, main_revenue=100, rd_staff=20, scale="中型")),
    ("W16", dict(tech_field="先进制造与自动化"), dict(tech_field="其他")),
    ("W16", dict(name="大连星海科技有限公司", main_products="工业软件", tech_field="电子信息"),
     dict(name="大连星海科技有限公司", main_products="工业软件", tech_field="新材料")),
    ("W17", dict(uscc="91350100M000100Y43"), dict(uscc="91350100M000100Y44")),
    ("W18", dict(uscc="92210202MA00000010"[:17] + "X"), dict(uscc="12350100M000100Y43")),
]


@pytest.mark.parametrize("rule, passing, failing", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_at_its_threshold(validator, rule, passing, failing):
    assert rule not in fired(validator, **passing)
    assert rule in fired(validator, **failing)


def test_w18_public_institution_and_cooperative(validator):
    assert "W18" in fired(validator, uscc="52350100M000100Y43")
    assert "W18" in fired(validator, uscc="93350100M000100Y43")
    assert "W18" not in fired(validator, uscc="91350100M000100Y43")


def test_w19_near_copies_at_threshold(validator):
    assert "W19" not in fired(validator, derived={"similar_figures": 5})
    assert "W19" in fired(validator, derived={"similar_figures": 6})


def test_w20_previous_year_against_last_report(validator):
    assert "W20" not in fired(validator, derived={"last_year_revenue": 1500})  # 1700 vs 1500: 13%
    assert "W20" in fired(validator, derived={"last_year_revenue": 1400})  # 21%
    assert "W20" not in fired(validator, derived={"last_year_revenue": None})


def test_thresholds_change_per_activity_and_weak_rules_switch_off():
    custom = Validator(2025, LOOKUPS, {"W1": {"thresholds": {"high": 100}},
                                       "W2": {"enabled": False}, "S1": {"enabled": False}})
    assert "W1" in fired(custom, rd_expense=100)
    assert "W2" not in fired(custom, revenue_prev=0)
    assert "S1" in fired(custom, revenue=1, main_revenue=2)  # strong rules cannot be switched off


def test_messages_carry_thresholds_in_both_languages():
    custom = Validator(2025, LOOKUPS, {"W1": {"thresholds": {"high": 2500}}})
    finding = next(f for f in custom.check({**GOOD, "rd_expense": 2600}).findings
                   if f.rule == "W1")
    assert "2500" in finding.message_zh and "2500" in finding.message_en
    assert finding.fields == ("rd_expense",) and finding.severity == "weak"


def test_strong_findings_block_and_weak_ones_do_not(validator):
    weak = validator.check({**GOOD, "rd_expense": 5000})
    assert weak.passed and [f.rule for f in weak.warnings] == ["W1"]
    strong = validator.check({**GOOD, "rd_staff": 500})
    assert not strong.passed and strong.codes()[0] == ["S3"]


def test_rules_with_malformed_inputs_are_not_evaluated(validator):
    result = validator.check({**GOOD, "revenue": "1,200万"})
    assert [f.rule for f in result.errors] == ["F:revenue"]
    assert "营业收入" in result.errors[0].message_zh and "1,200万" in result.errors[0].message_zh


def test_empty_optional_numbers_count_as_zero(validator):
    assert "W6" not in fired(validator, tech_contract_in=None, tech_contract_out="")
    assert "S6" in fired(validator, rd_expense=0, invention_patents=0, ip_count=0, standards=None)


def test_every_rule_has_a_short_title_in_both_languages():
    from app.domain.records.rules import RULES, TITLES, rule_label, rule_title

    assert set(TITLES) == {rule.id for rule in RULES}
    for rule in RULES:
        zh, en = rule.title("zh"), rule.title("en")
        assert zh and en and zh != en and en.isascii(), rule.id
        assert len(zh) <= 14 and len(en) <= 40, rule.id
    assert rule_label("W16", "zh") == "W16 技术领域疑似不符"
    assert rule_label("W16", "en") == "W16 Technology field looks wrong"
    assert rule_title("F:revenue", "en").startswith("Format: ")
    assert rule_label("X1", "en") == "X1"  # an id no longer defined stays as it is
    assert len({rule.title("en") for rule in RULES}) == len(RULES)


def test_english_messages_have_no_chinese_of_their_own():
    import re

    from app.domain.records.rules import RULES

    for rule in RULES:
        assert not re.search(r"[\u4e00-\u9fff]", rule.message_en), rule.id
