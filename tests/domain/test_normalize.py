"""Bad input (issue 3): unambiguous input is normalized and said so; the rest is a
clear problem at the field."""

import datetime as dt

import pytest

from app.domain.records.fields import REGISTRY
from app.domain.records.normalize import Lookups, Normalizer

N = Normalizer(Lookups(province_code="21",
                       county_names={"大连市中山区": "210202", "辽宁省大连市中山区": "210202"},
                       county_codes=frozenset({"210202", "110101"}),
                       bank_names=frozenset({"工商银行", "中国银行", "建设银行", "农业银行"})))


def norm(key, raw):
    return N.value(REGISTRY[key], raw)


@pytest.mark.parametrize("raw, expected", [(1200, 1200.0), ("1200.5", 1200.5), (" 12 ", 12.0),
                                           ("１２００", 1200.0), ("1,200", 1200.0),
                                           ("1,234,567.8", 1234567.8), (3.0, 3.0)])
def test_numbers_normalized(raw, expected):
    value, problem, _ = norm("revenue", raw)
    assert problem is None and value == expected


@pytest.mark.parametrize("raw", ["1,200万", "abc", "12..5", "1e5", "NaN", "--1", True])
def test_text_in_number_fields_is_a_problem_naming_the_value(raw):
    value, problem, _ = norm("revenue", raw)
    assert value is None and problem.field == "revenue"
    assert "不是数字" in problem.message_zh


def test_negative_counts_and_money_refused_unless_the_dictionary_allows():
    assert "负数" in norm("employees", -1)[1].message_zh
    assert "负数" in norm("rd_expense", "-5")[1].message_zh
    assert norm("net_profit", "-5")[0] == -5.0
    assert norm("equity_end", -100)[0] == -100.0


def test_counts_must_be_whole():
    assert "整数" in norm("employees", "12.5")[1].message_zh
    assert norm("employees", "12.0")[0] == 12


@pytest.mark.parametrize("raw, expected", [
    ("2021-03-15", dt.date(2021, 3, 15)), ("2021/3/5", dt.date(2021, 3, 5)),
    ("2021.03.05", dt.date(2021, 3, 5)), ("2021年3月5日", dt.date(2021, 3, 5)),
    ("２０２１－０３－０５", dt.date(2021, 3, 5)), (44197, dt.date(2021, 1, 1)),
    (dt.datetime(2021, 1, 1, 8), dt.date(2021, 1, 1)),
])
def test_dates_normalized(raw, expected):
    value, problem, _ = norm("registration_date", raw)
    assert problem is None and value == expected


@pytest.mark.parametrize("raw", ["2025/13/01", "2025-02-30", "yesterday", "20250101", -3])
def test_bad_dates(raw):
    value, problem, _ = norm("registration_date", raw)
    assert value is None and "YYYY-MM-DD" in problem.message_zh


def test_uscc_upper_cased_and_spaces_removed_with_a_note():
    value, problem, note = norm("uscc", " 91350100m000 100y43 ")
    assert value == "91350100M000100Y43" and problem is None and note is not None
    value, problem, note = norm("uscc", "９１３５０１００Ｍ０００１００Ｙ４３")
    assert value == "91350100M000100Y43"


@pytest.mark.parametrize("raw", ["91350100M000100Y4", "91350100I000100Y43", "913501-0M000100Y43"])
def test_malformed_uscc(raw):
    assert norm("uscc", raw)[1] is not None


def test_enumerations():
    assert norm("tech_field", " 电子信息 ")[0] == "电子信息"
    problem = norm("tech_field", "人工智能")[1]
    assert "电子信息" in problem.message_zh  # lists the options
    assert norm("qualifications", "高新技术企业；科技型中小企业")[0] == ["高新技术企业",
                                                                   "科技型中小企业"]
    assert norm("qualifications", "高新技术企业,高新技术企业")[0] == ["高新技术企业"]
    assert "不是可选项" in norm("qualifications", "高新技术企业;独角兽")[1].message_zh


def test_booleans():
    assert norm("is_private", "是")[0] is True
    assert norm("is_private", "否")[0] is False
    assert norm("is_private", "Yes")[0] is True
    assert norm("is_private", "也许")[1] is not None


def test_region_by_code_or_full_name_in_the_province():
    assert norm("region_code", "210202")[0] == "210202"
    assert norm("region_code", 210202.0)[0] == "210202"
    assert norm("region_code", "大连市中山区")[0] == "210202"
    assert norm("region_code", "110101")[1] is not None  # another province
    assert norm("region_code", "2102")[1] is not None  # a city, not a county


def test_bank_list_order_and_limits():
    assert norm("intended_banks", "中国银行；工商银行")[0] == ["中国银行", "工商银行"]
    assert "名录" in norm("intended_banks", "火星银行")[1].message_zh
    assert "3" in norm("intended_banks", "中国银行;工商银行;建设银行;农业银行")[1].message_zh


def test_long_text_refused_with_counts():
    problem = norm("main_products", "字" * 10000)[1]
    assert "500" in problem.message_zh and "10000" in problem.message_zh


def test_html_is_kept_as_typed_for_escaping_on_output():
    value, problem, _ = norm("main_products", "<script>alert(1)</script>")
    assert value == "<script>alert(1)</script>" and problem is None


def test_spreadsheet_floats_for_codes_and_phones():
    assert norm("contact_phone", 13812345678.0)[0] == "13812345678"
    assert norm("contact_phone", "138 1234 5678")[0] == "13812345678"
    assert norm("contact_phone", "+86 13812345678")[0] == "13812345678"


def test_blank_is_none_without_problem():
    assert norm("revenue", "  ") == (None, None, None)


def test_lists_from_forms_are_accepted_for_choice_fields():
    assert norm("qualifications", ["高新技术企业"])[0] == ["高新技术企业"]
    assert norm("tech_field", ["电子信息"])[1] is not None  # a list is not one option
    assert norm("region_code", ["210202"])[1] is not None
