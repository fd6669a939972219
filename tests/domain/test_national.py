"""The Ministry's files are checked whole, one line per bad row (SPEC §12.5)."""

from __future__ import annotations

import pytest

from app.domain.national import NationalFileError, check_feedback, check_points
from app.domain.records.uscc import check_character


def _uscc(serial: int, county: str = "210202") -> str:
    first = f"91{county}MA{serial:07d}"[:17]
    return first + check_character(first)


HEADER = ["统一社会信用代码", "问题字段", "问题说明"]


def test_a_good_problem_list_names_fields_with_or_without_unit():
    problems = check_feedback([HEADER, [_uscc(1), "研发费用（数据年度）（万元）", "与税务数据不符"],
                               [_uscc(2), "研发费用（数据年度）", "同上"],
                               [_uscc(3), "", "营业执照已注销"], [None, None, None]], "21")
    assert [(p.row, p.field) for p in problems] == [(2, "rd_expense"), (3, "rd_expense"),
                                                    (4, None)]


def test_the_field_column_is_optional():
    problems = check_feedback([["统一社会信用代码", "问题说明"], [_uscc(1), "数据不实"]], "21")
    assert problems[0].field is None and problems[0].text == "数据不实"


def test_every_bad_row_is_listed_and_the_file_refused():
    with pytest.raises(NationalFileError) as refused:
        check_feedback([HEADER, [_uscc(1), "", "a"], [_uscc(1), "", "b"],
                        [_uscc(4, "110105"), "", "c"], [_uscc(5), "不存在的字段", "d"],
                        ["91210202MA0000001A", "", "e"], [_uscc(6), "", ""]], "21")
    lines = refused.value.lines
    assert lines == [
        f"第 3 行：统一社会信用代码“{_uscc(1)}”与第 2 行重复",
        f"第 4 行：统一社会信用代码“{_uscc(4, '110105')}”不属于本省",
        "第 5 行：问题字段“不存在的字段”不是数据字典中的字段",
        "第 6 行：统一社会信用代码“91210202MA0000001A”格式或校验位不正确",
        "第 7 行：问题说明为空",
    ]
    assert refused.value.lines_en[0].startswith("Row 3: ")
    assert "nothing was imported" in refused.value.message_en


def test_a_wrong_header_is_refused():
    with pytest.raises(NationalFileError) as refused:
        check_feedback([["信用代码", "说明"], [_uscc(1), "x"]], "21")
    assert "统一社会信用代码" in refused.value.message_zh


def test_points_rows_are_numbers_and_known_grades():
    rows = [["统一社会信用代码", "创新积分", "等级", "rd_expense"],
            [_uscc(1), 87.5, "A", 12.5], [_uscc(2), "66.25", "B", ""]]
    points = check_points(rows, "21", ["A", "B", "C"], ["rd_expense"])
    assert [(p.total, p.grade, p.indicators) for p in points] == \
        [(87.5, "A", {"rd_expense": 12.5}), (66.25, "B", {})]
    with pytest.raises(NationalFileError) as refused:
        check_points([rows[0], [_uscc(1), "八十", "A", None], [_uscc(2), 70, "S", None],
                      [_uscc(3), 70, "A", "x"]], "21", ["A", "B"], ["rd_expense"])
    assert refused.value.lines == [
        "第 2 行：创新积分“八十”不是数字",
        "第 3 行：等级“S”不是本项目的等级（A、B）",
        "第 4 行：指标“rd_expense”的得分“x”不是数字",
    ]
