"""Band edges of 工信部联企业〔2011〕300号, every industry class.

Expected values are worked out by hand from the standard's table: X = 从业人员,
Y = 营业收入 (万元), Z = 资产总额 (万元). Inputs a row does not use are passed as None.
"""

import pytest

from app.domain.records import sme

L, M, S, W = "大型", "中型", "小型", "微型"

# (industry, X, Y, Z, expected)
CASES = [
    # 农林牧渔业: Y only. 大 Y≥20000, 中 Y≥500, 小 Y≥50.
    ("农林牧渔业", None, 500, None, M),
    ("农林牧渔业", None, 499, None, S),
    ("农林牧渔业", None, 50, None, S),
    ("农林牧渔业", None, 49, None, W),
    ("农林牧渔业", None, 20000, None, L),
    ("农林牧渔业", None, 19999, None, M),
    ("农林牧渔业", None, 0, None, W),
    # 工业: 大 X≥1000 & Y≥40000, 中 X≥300 & Y≥2000, 小 X≥20 & Y≥300.
    ("工业", 300, 2000, None, M),
    ("工业", 299, 2000, None, S),
    ("工业", 300, 1999, None, S),
    ("工业", 300, 1999.99, None, S),
    ("工业", 20, 300, None, S),
    ("工业", 19, 300, None, W),
    ("工业", 20, 299, None, W),
    ("工业", 20, 299.99, None, W),
    ("工业", 1000, 40000, None, L),
    ("工业", 999, 40000, None, M),
    ("工业", 1000, 39999, None, M),
    ("工业", 1000, 39999.99, None, M),
    ("工业", 500, 100, None, W),
    ("工业", 10, 50000, None, W),
    ("工业", 2000, 1000, None, S),
    # 建筑业: Y, Z. 大 Y≥80000 & Z≥80000, 中 Y≥6000 & Z≥5000, 小 Y≥300 & Z≥300.
    ("建筑业", None, 6000, 5000, M),
    ("建筑业", None, 5999, 5000, S),
    ("建筑业", None, 6000, 4999, S),
    ("建筑业", None, 300, 300, S),
    ("建筑业", None, 299, 300, W),
    ("建筑业", None, 300, 299, W),
    ("建筑业", None, 80000, 80000, L),
    ("建筑业", None, 79999, 80000, M),
    ("建筑业", None, 80000, 79999, M),
    ("建筑业", None, 100000, 299, W),
    ("建筑业", None, 299, 100000, W),
    # 批发业: 大 X≥200 & Y≥40000, 中 X≥20 & Y≥5000, 小 X≥5 & Y≥1000.
    ("批发业", 20, 5000, None, M),
    ("批发业", 19, 5000, None, S),
    ("批发业", 20, 4999, None, S),
    ("批发业", 5, 1000, None, S),
    ("批发业", 4, 1000, None, W),
    ("批发业", 5, 999, None, W),
    ("批发业", 200, 40000, None, L),
    ("批发业", 199, 40000, None, M),
    ("批发业", 200, 39999, None, M),
    ("批发业", 200, 999, None, W),
    ("批发业", 4, 40000, None, W),
    # 零售业: 大 X≥300 & Y≥20000, 中 X≥50 & Y≥500, 小 X≥10 & Y≥100.
    ("零售业", 50, 500, None, M),
    ("零售业", 49, 500, None, S),
    ("零售业", 50, 499, None, S),
    ("零售业", 10, 100, None, S),
    ("零售业", 9, 100, None, W),
    ("零售业", 10, 99, None, W),
    ("零售业", 300, 20000, None, L),
    ("零售业", 299, 20000, None, M),
    ("零售业", 300, 19999, None, M),
    ("零售业", 300, 99, None, W),
    ("零售业", 9, 20000, None, W),
    # 交通运输业: 大 X≥1000 & Y≥30000, 中 X≥300 & Y≥3000, 小 X≥20 & Y≥200.
    ("交通运输业", 300, 3000, None, M),
    ("交通运输业", 299, 3000, None, S),
    ("交通运输业", 300, 2999, None, S),
    ("交通运输业", 20, 200, None, S),
    ("交通运输业", 19, 200, None, W),
    ("交通运输业", 20, 199, None, W),
    ("交通运输业", 1000, 30000, None, L),
    ("交通运输业", 999, 30000, None, M),
    ("交通运输业", 1000, 29999, None, M),
    ("交通运输业", 1000, 199, None, W),
    ("交通运输业", 19, 30000, None, W),
    # 仓储业: 大 X≥200 & Y≥30000, 中 X≥100 & Y≥1000, 小 X≥20 & Y≥100.
    ("仓储业", 100, 1000, None, M),
    ("仓储业", 99, 1000, None, S),
    ("仓储业", 100, 999, None, S),
    ("仓储业", 20, 100, None, S),
    ("仓储业", 19, 100, None, W),
    ("仓储业", 20, 99, None, W),
    ("仓储业", 200, 30000, None, L),
    ("仓储业", 199, 30000, None, M),
    ("仓储业", 200, 29999, None, M),
    ("仓储业", 200, 99, None, W),
    ("仓储业", 19, 30000, None, W),
    # 邮政业: 大 X≥1000 & Y≥30000, 中 X≥300 & Y≥2000, 小 X≥20 & Y≥100.
    ("邮政业", 300, 2000, None, M),
    ("邮政业", 299, 2000, None, S),
    ("邮政业", 300, 1999, None, S),
    ("邮政业", 20, 100, None, S),
    ("邮政业", 19, 100, None, W),
    ("邮政业", 20, 99, None, W),
    ("邮政业", 1000, 30000, None, L),
    ("邮政业", 999, 30000, None, M),
    ("邮政业", 1000, 29999, None, M),
    ("邮政业", 1000, 99, None, W),
    ("邮政业", 19, 30000, None, W),
    # 信息传输业: 大 X≥2000 & Y≥100000, 中 X≥100 & Y≥1000, 小 X≥10 & Y≥100.
    ("信息传输业", 100, 1000, None, M),
    ("信息传输业", 99, 1000, None, S),
    ("信息传输业", 100, 999, None, S),
    ("信息传输业", 10, 100, None, S),
    ("信息传输业", 9, 100, None, W),
    ("信息传输业", 10, 99, None, W),
    ("信息传输业", 2000, 100000, None, L),
    ("信息传输业", 1999, 100000, None, M),
    ("信息传输业", 2000, 99999, None, M),
    ("信息传输业", 2000, 99, None, W),
    ("信息传输业", 9, 100000, None, W),
    # 软件和信息技术服务业: 大 X≥300 & Y≥10000, 中 X≥100 & Y≥1000, 小 X≥10 & Y≥50.
    ("软件和信息技术服务业", 100, 1000, None, M),
    ("软件和信息技术服务业", 99, 1000, None, S),
    ("软件和信息技术服务业", 100, 999, None, S),
    ("软件和信息技术服务业", 10, 50, None, S),
    ("软件和信息技术服务业", 9, 50, None, W),
    ("软件和信息技术服务业", 10, 49, None, W),
    ("软件和信息技术服务业", 300, 10000, None, L),
    ("软件和信息技术服务业", 299, 10000, None, M),
    ("软件和信息技术服务业", 300, 9999, None, M),
    ("软件和信息技术服务业", 300, 49, None, W),
    ("软件和信息技术服务业", 9, 10000, None, W),
    # 房地产开发经营: Y, Z. 大 Y≥200000 & Z≥10000, 中 Y≥1000 & Z≥5000, 小 Y≥100 & Z≥2000.
    ("房地产开发经营", None, 1000, 5000, M),
    ("房地产开发经营", None, 999, 5000, S),
    ("房地产开发经营", None, 1000, 4999, S),
    ("房地产开发经营", None, 100, 2000, S),
    ("房地产开发经营", None, 99, 2000, W),
    ("房地产开发经营", None, 100, 1999, W),
    ("房地产开发经营", None, 200000, 10000, L),
    ("房地产开发经营", None, 199999, 10000, M),
    ("房地产开发经营", None, 200000, 9999, M),
    ("房地产开发经营", None, 200000, 1999, W),
    ("房地产开发经营", None, 99, 10000, W),
    # 物业管理: 大 X≥1000 & Y≥5000, 中 X≥300 & Y≥1000, 小 X≥100 & Y≥500.
    ("物业管理", 300, 1000, None, M),
    ("物业管理", 299, 1000, None, S),
    ("物业管理", 300, 999, None, S),
    ("物业管理", 100, 500, None, S),
    ("物业管理", 99, 500, None, W),
    ("物业管理", 100, 499, None, W),
    ("物业管理", 1000, 5000, None, L),
    ("物业管理", 999, 5000, None, M),
    ("物业管理", 1000, 4999, None, M),
    ("物业管理", 1000, 499, None, W),
    ("物业管理", 99, 5000, None, W),
    # 租赁和商务服务业: X, Z. 大 X≥300 & Z≥120000, 中 X≥100 & Z≥8000, 小 X≥10 & Z≥100.
    ("租赁和商务服务业", 100, None, 8000, M),
    ("租赁和商务服务业", 99, None, 8000, S),
    ("租赁和商务服务业", 100, None, 7999, S),
    ("租赁和商务服务业", 10, None, 100, S),
    ("租赁和商务服务业", 9, None, 100, W),
    ("租赁和商务服务业", 10, None, 99, W),
    ("租赁和商务服务业", 300, None, 120000, L),
    ("租赁和商务服务业", 299, None, 120000, M),
    ("租赁和商务服务业", 300, None, 119999, M),
    ("租赁和商务服务业", 300, None, 99, W),
    ("租赁和商务服务业", 9, None, 120000, W),
    # 其他未列明行业: X only. 大 X≥300, 中 X≥100, 小 X≥10.
    ("其他未列明行业", 100, None, None, M),
    ("其他未列明行业", 99, None, None, S),
    ("其他未列明行业", 10, None, None, S),
    ("其他未列明行业", 9, None, None, W),
    ("其他未列明行业", 300, None, None, L),
    ("其他未列明行业", 299, None, None, M),
    ("其他未列明行业", 0, None, None, W),
]

# 住宿业 and 餐饮业 share one row: 大 X≥300 & Y≥10000, 中 X≥100 & Y≥2000, 小 X≥10 & Y≥100.
LODGING_CATERING = [
    (100, 2000, M),
    (99, 2000, S),
    (100, 1999, S),
    (10, 100, S),
    (9, 100, W),
    (10, 99, W),
    (300, 10000, L),
    (299, 10000, M),
    (300, 9999, M),
    (300, 99, W),
    (9, 10000, W),
]


@pytest.mark.parametrize(("industry", "x", "y", "z", "expected"), CASES)
def test_band_edges(industry, x, y, z, expected):
    assert sme.classify(industry, x, y, z) == expected


@pytest.mark.parametrize("industry", ["住宿业", "餐饮业"])
@pytest.mark.parametrize(("x", "y", "expected"), LODGING_CATERING)
def test_lodging_and_catering_band_edges(industry, x, y, expected):
    assert sme.classify(industry, x, y, None) == expected


@pytest.mark.parametrize(("x", "y"), [(x, y) for x, y, _ in LODGING_CATERING])
def test_lodging_and_catering_agree(x, y):
    assert sme.classify("住宿业", x, y, None) == sme.classify("餐饮业", x, y, None)


def test_every_industry_is_covered():
    covered = {case[0] for case in CASES} | {"住宿业", "餐饮业"}
    assert covered == set(sme.INDUSTRIES)


def test_industries_in_table_order():
    assert sme.INDUSTRIES == (
        "农林牧渔业", "工业", "建筑业", "批发业", "零售业", "交通运输业", "仓储业", "邮政业",
        "住宿业", "餐饮业", "信息传输业", "软件和信息技术服务业", "房地产开发经营",
        "物业管理", "租赁和商务服务业", "其他未列明行业",
    )  # fmt: skip


@pytest.mark.parametrize("industry", ["", "制造业", "住宿和餐饮业", "工业 ", "unknown"])
def test_unknown_industry_is_none(industry):
    assert sme.classify(industry, 100, 1000, 1000) is None


@pytest.mark.parametrize(
    ("industry", "x", "y", "z"),
    [
        ("农林牧渔业", 100, None, 100),
        ("工业", None, 2000, 100),
        ("工业", 300, None, 100),
        ("建筑业", 100, None, 5000),
        ("建筑业", 100, 6000, None),
        ("批发业", None, 5000, None),
        ("零售业", 50, None, None),
        ("交通运输业", None, None, None),
        ("住宿业", None, 2000, None),
        ("餐饮业", 100, None, None),
        ("软件和信息技术服务业", 100, None, 1000),
        ("房地产开发经营", 100, None, 5000),
        ("房地产开发经营", 100, 1000, None),
        ("租赁和商务服务业", None, 1000, 8000),
        ("租赁和商务服务业", 100, 1000, None),
        ("其他未列明行业", None, 1000, 1000),
    ],
)
def test_missing_needed_input_is_none(industry, x, y, z):
    assert sme.classify(industry, x, y, z) is None


@pytest.mark.parametrize(
    ("industry", "x", "y", "z", "expected"),
    [
        # Unused inputs are ignored, however extreme.
        ("农林牧渔业", None, 500, None, M),
        ("农林牧渔业", 100000, 500, 10**9, M),
        ("农林牧渔业", 0, 500, 0, M),
        ("工业", 300, 2000, 0, M),
        ("建筑业", 0, 6000, 5000, M),
        ("租赁和商务服务业", 100, 0, 8000, M),
        ("其他未列明行业", 100, 0, 0, M),
        ("其他未列明行业", 100, 10**9, 10**9, M),
    ],
)
def test_unused_inputs_may_be_anything(industry, x, y, z, expected):
    assert sme.classify(industry, x, y, z) == expected


@pytest.mark.parametrize(
    ("size", "expected"),
    [(L, False), (M, True), (S, True), (W, True), (None, False), ("", False), ("中小型", False)],
)
def test_is_sme(size, expected):
    assert sme.is_sme(size) is expected
