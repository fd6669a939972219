"""Detail tables (SPEC §12.1): declarations, row rules, derived counts, contradictions."""

import datetime as dt

import pytest

from app.domain.records import details as D

IP = D.TABLES["ip"]


def _ip(**changes):
    row = {"ip_type": "发明专利", "number": "ZL202310123456.7", "title": "一种传感器",
           "grant_date": "2024-05-20"}
    row.update(changes)
    return D.normalize_row(IP, row)


def test_the_six_tables_their_sheets_and_row_keys():
    assert list(D.TABLES) == ["ip", "projects", "awards", "talents", "platforms", "standards"]
    assert [D.TABLES[k].keys for k in D.TABLES] == [
        ("ip_type", "number", "title", "grant_date"), ("level", "name", "number", "year"),
        ("level", "name", "year"), ("name", "category", "year"), ("level", "name", "year"),
        ("std_type", "number", "name")]
    assert D.TABLES["projects"].sheet("zh") == "科技计划项目明细"
    assert set(D.DERIVED_BY) == {"invention_patents", "ip_count", "municipal_projects",
                                 "provincial_projects", "municipal_awards", "provincial_awards",
                                 "high_level_talents", "innovation_platforms", "standards"}


def test_cells_are_read_as_people_type_them():
    row = D.normalize_row(IP, {"ip_type": "发明专利", "number": " zl202310123456.7 ",
                               "title": "x", "grant_date": dt.datetime(2024, 5, 20, 0, 0)})
    assert row["number"] == "ZL202310123456.7" and row["grant_date"] == dt.date(2024, 5, 20)
    assert D.read_date("2024/5/3") == dt.date(2024, 5, 3) and D.read_date("20240503") is None
    assert D.read_year(2023.0) == 2023 and D.read_year("2023年") == 2023
    assert D.read_year("23") is None and D.read_year(True) is None


def test_good_rows_pass_and_derive_their_counts():
    rows = [_ip(), _ip(ip_type="实用新型", number="ZL202320123456.X"),
            _ip(ip_type="软件著作权", number="2024SR012345")]
    assert D.check_rows(IP, rows, 2025) == []
    assert D.derive(IP, rows) == {"invention_patents": 1, "ip_count": 3}
    projects = [{"level": "地市级"}, {"level": "省级"}, {"level": "国家级"}]
    assert D.derive(D.TABLES["projects"], projects) == {"municipal_projects": 1,
                                                       "provincial_projects": 2}
    assert D.derive(IP, []) == {"invention_patents": 0, "ip_count": 0}


@pytest.mark.parametrize("changes, column, says", [
    ({"title": ""}, "title", "必须填写"),
    ({"ip_type": "商标"}, "ip_type", "应为以下之一"),
    ({"grant_date": "next spring"}, "grant_date", "应为日期"),
    ({"grant_date": "2026-01-02"}, "grant_date", "不能晚于数据年度 2025"),
    ({"number": "ZL2023101234567"}, "number", "专利号应为 ZL"),
    ({"number": "CN202310123456.7"}, "number", "专利号应为 ZL"),
])
def test_each_row_rule_names_its_row_and_column(changes, column, says):
    found = D.check_rows(IP, [_ip(), _ip(**{"number": "ZL202310999999.1", **changes})], 2025)
    assert [(f.row, f.column) for f in found] == [(2, column)]
    assert says in found[0].message_zh and found[0].message_en.startswith("Row 2")


def test_a_number_twice_is_reported_on_the_second_and_years_are_checked():
    found = D.check_rows(IP, [_ip(), _ip(title="另一项"), _ip()], 2025)
    assert [(f.row, f.column) for f in found] == [(2, "number"), (3, "number")]
    assert "与第 1 行重复" in found[0].message_zh
    projects = D.TABLES["projects"]
    rows = [D.normalize_row(projects, {"level": "省级", "name": "项目", "number": "P1",
                                       "year": y}) for y in (2025, 2026, "今年")]
    found = D.check_rows(projects, rows[:1] + [{**rows[1], "number": "P2"},
                                               {**rows[2], "number": "P3"}], 2025)
    assert [(f.row, f.column) for f in found] == [(2, "year"), (3, "year")]


def test_typed_counts_must_agree_with_the_rows():
    label = {"invention_patents": "发明专利授权总量", "ip_count": "知识产权拥有数量"}
    found = D.contradictions(["ip"], {"ip": [_ip()]}, {"invention_patents": 3, "ip_count": 1},
                             lambda key, lang: label[key])
    assert [(f.table, f.row, f.column) for f in found] == [("ip", None, "invention_patents")]
    assert "填写为 3" in found[0].message_zh and "有 1 行" in found[0].message_zh
    # no rows: a typed count above 0 contradicts; an empty one derives 0
    assert len(D.contradictions(["ip"], {}, {"invention_patents": 2},
                                lambda k, lang: k)) == 1
    assert D.contradictions(["ip"], {}, {"invention_patents": None, "ip_count": "0"},
                            lambda k, lang: k) == []
    assert D.derived_counts(["ip", "standards"], {"ip": [_ip()]}) == {
        "invention_patents": 1, "ip_count": 1, "standards": 0}
