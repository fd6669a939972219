import pytest

from app.domain import regions
from app.services.platform.setup import REGIONS_DIR


def test_levels_follow_code_length():
    assert regions.level_of("21") == regions.PROVINCE
    assert regions.level_of("2102") == regions.CITY
    assert regions.level_of("210202") == regions.COUNTY


@pytest.mark.parametrize("bad", ["", "2", "210", "21020", "2102021", "21a2", None, 21])
def test_level_of_rejects_non_codes(bad):
    with pytest.raises(ValueError):
        regions.level_of(bad)


def test_code_range_covers_exactly_the_region():
    low, high = regions.code_range("2102")
    inside = ["2102", "210202", "210283"]
    outside = ["2101", "210199", "2103", "210302", "21", "22"]
    assert all(low <= code < high for code in inside)
    assert not any(low <= code < high for code in outside)


def test_code_range_carries_over_nine():
    assert regions.code_range("2109") == ("2109", "2110")
    assert regions.code_range("21") == ("21", "22")
    assert regions.code_range("210299") == ("210299", "210300")


def test_contains():
    assert regions.contains("21", "210202")
    assert regions.contains("2102", "210202")
    assert not regions.contains("2101", "210202")


def test_shipped_tree_is_complete_and_consistent():
    rows = regions.load_regions(REGIONS_DIR)
    by_code = {r.code: r for r in rows}
    assert len(rows) == len(by_code) == 31 + 342 + 2978
    assert by_code["210202"].full_name == "辽宁省大连市中山区"
    assert by_code["110101"].full_name == "北京市东城区"  # 市辖区 dropped from full names
    for row in rows:
        if row.parent_code:
            assert row.code.startswith(row.parent_code)
            assert rows.index(by_code[row.parent_code]) < rows.index(row)


def test_licence_ships_beside_the_data():
    assert (REGIONS_DIR / "LICENSE").read_text().strip()
