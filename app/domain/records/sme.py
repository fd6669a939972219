"""Enterprise size class (大型/中型/小型/微型) under 工信部联企业〔2011〕300号.

The numbers are the 2011 《中小企业划型标准规定》 (工业和信息化部、国家统计局、
国家发展改革委、财政部), as also restated in 国家统计局《统计上大中小微型企业划分办法》.
X = 从业人员 (persons), Y = 营业收入 (万元), Z = 资产总额 (万元).

Each industry row is three bands of lower bounds: 大型 (the negation of the row's
"中小微型 when X < … or Y < …" clause), 中型 and 小型. An enterprise belongs to
the first band whose every bound it meets; one meeting none of them is 微型
("大型、中型和小型须同时满足所列指标的下限，否则下划一档；微型只须满足所列指标中的一项").
"""

from __future__ import annotations

from dataclasses import dataclass

LARGE, MEDIUM, SMALL, MICRO = "大型", "中型", "小型", "微型"


@dataclass(frozen=True, slots=True)
class Band:
    """Lower bounds of one band; None means the band does not use that variable."""

    employees: int | None = None
    revenue: float | None = None
    total_assets: float | None = None


@dataclass(frozen=True, slots=True)
class Row:
    large: Band
    medium: Band
    small: Band


def _xy(x: tuple[int, int, int], y: tuple[float, float, float]) -> Row:
    return Row(*(Band(employees=a, revenue=b) for a, b in zip(x, y, strict=True)))


def _yz(y: tuple[float, float, float], z: tuple[float, float, float]) -> Row:
    return Row(*(Band(revenue=a, total_assets=b) for a, b in zip(y, z, strict=True)))


def _xz(x: tuple[int, int, int], z: tuple[float, float, float]) -> Row:
    return Row(*(Band(employees=a, total_assets=b) for a, b in zip(x, z, strict=True)))


_LODGING_CATERING = _xy((300, 100, 10), (10000, 2000, 100))

# Per row: (大型, 中型, 小型) lower bounds.
TABLE: dict[str, Row] = {
    "农林牧渔业": Row(Band(revenue=20000), Band(revenue=500), Band(revenue=50)),
    "工业": _xy((1000, 300, 20), (40000, 2000, 300)),
    "建筑业": _yz((80000, 6000, 300), (80000, 5000, 300)),
    "批发业": _xy((200, 20, 5), (40000, 5000, 1000)),
    "零售业": _xy((300, 50, 10), (20000, 500, 100)),
    "交通运输业": _xy((1000, 300, 20), (30000, 3000, 200)),
    "仓储业": _xy((200, 100, 20), (30000, 1000, 100)),
    "邮政业": _xy((1000, 300, 20), (30000, 2000, 100)),
    "住宿业": _LODGING_CATERING,
    "餐饮业": _LODGING_CATERING,
    "信息传输业": _xy((2000, 100, 10), (100000, 1000, 100)),
    "软件和信息技术服务业": _xy((300, 100, 10), (10000, 1000, 50)),
    "房地产开发经营": _yz((200000, 1000, 100), (10000, 5000, 2000)),
    "物业管理": _xy((1000, 300, 100), (5000, 1000, 500)),
    "租赁和商务服务业": _xz((300, 100, 10), (120000, 8000, 100)),
    "其他未列明行业": Row(Band(employees=300), Band(employees=100), Band(employees=10)),
}

INDUSTRIES: tuple[str, ...] = tuple(TABLE)

_FIELDS = ("employees", "revenue", "total_assets")


def classify(
    industry: str,
    employees: int | None,
    revenue: float | None,
    total_assets: float | None,
) -> str | None:
    """The size class, or None for an unknown industry or a missing input the row uses."""
    row = TABLE.get(industry)
    if row is None:
        return None
    values = dict(zip(_FIELDS, (employees, revenue, total_assets), strict=True))
    needed = [f for f in _FIELDS if getattr(row.small, f) is not None]
    if any(values[f] is None for f in needed):
        return None
    for size, band in ((LARGE, row.large), (MEDIUM, row.medium), (SMALL, row.small)):
        if all(values[f] >= getattr(band, f) for f in needed):
            return size
    return MICRO


def is_sme(size: str | None) -> bool:
    """True for 中型/小型/微型 (中小微企业); False for 大型 and None."""
    return size in (MEDIUM, SMALL, MICRO)
