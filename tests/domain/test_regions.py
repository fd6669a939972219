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


def _english():
    from app.services.platform.setup import english_region_names

    return {row.code: (row, name_en, full_en)
            for row, name_en, full_en in english_region_names(regions.load_regions(REGIONS_DIR))}


def test_every_region_has_an_english_name_and_full_name():
    english = _english()
    assert len(english) == 31 + 342 + 2978
    for row, name_en, full_en in english.values():
        assert name_en and full_en, row.code
        assert name_en.isascii() or "ü" in name_en, (row.code, name_en)
        assert full_en.startswith(name_en) or row.full_name == english[row.parent_code][0] \
            .full_name, (row.code, full_en)


@pytest.mark.parametrize("name, english", [
    ("长春市", "Changchun"), ("重庆市", "Chongqing"), ("厦门市", "Xiamen"), ("蚌埠市", "Bengbu"),
    ("六安市", "Lu'an"), ("乐山市", "Leshan"), ("大连市", "Dalian"), ("沈阳市", "Shenyang"),
    ("长治市", "Changzhi"), ("西安市", "Xi'an"), ("吕梁市", "Lüliang"), ("陕西省", "Shaanxi"),
    ("山西省", "Shanxi"), ("内蒙古自治区", "Inner Mongolia"), ("哈尔滨市", "Harbin"),
    ("朝阳市", "Chaoyang"), ("葫芦岛市", "Huludao"),
    ("延边朝鲜族自治州", "Yanbian Korean Autonomous Prefecture"),
])
def test_heteronyms_and_established_names_come_out_right(name, english):
    names = {row.name: name_en for row, name_en, _full in _english().values()}
    assert names[name] == english


@pytest.mark.parametrize("code, name_en, full_en", [
    ("21", "Liaoning", "Liaoning"),
    ("2102", "Dalian", "Dalian, Liaoning"),
    ("210202", "Zhongshan District", "Zhongshan District, Dalian, Liaoning"),
    ("210224", "Changhai County", "Changhai County, Dalian, Liaoning"),
    ("210281", "Wafangdian City", "Wafangdian City, Dalian, Liaoning"),
    ("210323", "Xiuyan Manchu Autonomous County", "Xiuyan Manchu Autonomous County, Anshan, "
                                                  "Liaoning"),
    ("110101", "Dongcheng District", "Dongcheng District, Beijing"),  # 市辖区 left out
    ("1101", "Districts", "Beijing"),
    ("429004", "Xiantao City", "Xiantao City, Hubei"),  # a province's own county-level city
])
def test_names_and_full_names_in_english(code, name_en, full_en):
    assert _english()[code][1:] == (name_en, full_en)


def test_the_english_names_file_covers_the_tree_and_nothing_else():
    import csv

    with open(REGIONS_DIR / "names_en.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["code"] for r in rows] == [r.code for r in regions.load_regions(REGIONS_DIR)]
    assert all(r["name_en"].strip() == r["name_en"] and r["name_en"] for r in rows)
