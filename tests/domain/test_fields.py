

def test_option_set_is_one_text_whatever_the_order_and_repeats():
    from app.domain.records.fields import option_set
    assert option_set(["高新技术企业", "科技型中小企业"]) == option_set(
        ["科技型中小企业", "高新技术企业", "科技型中小企业"])
    assert option_set(["瞪羚企业"]) == "瞪羚企业"
    assert option_set([]) is None and option_set(None) is None


def test_every_option_has_an_english_label_and_stored_values_stay_chinese():
    from app.domain.records.fields import REGISTRY

    for field in REGISTRY:
        assert set(field.options_en) == set(field.options), field.key
        assert all(label.isascii() or "“" in label for label in field.options_en.values())
    assert REGISTRY["scale"].options == ("大型", "中型", "小型", "微型")
    assert REGISTRY["scale"].option_label("中型", "en") == "Medium"
    assert REGISTRY["scale"].option_label("中型", "zh") == "中型"
    assert REGISTRY.option_label("qualifications", ["高新技术企业", "瞪羚企业"], "en") == [
        "High-tech enterprise", "Gazelle enterprise"]
    # A value no longer listed, and fields without options, show as they are.
    assert REGISTRY.option_label("tech_field", "旧领域", "en") == "旧领域"
    assert REGISTRY.option_label("name", "大连星海", "en") == "大连星海"


def test_units_read_in_english_on_pages_and_both_headers_match():
    from app.domain.records.fields import REGISTRY

    rd = REGISTRY["rd_expense"]
    assert rd.unit_label("en") == "10k yuan" and rd.unit_label("zh") == "万元"
    assert rd.label_with_unit("en") == f"{rd.label_en} (10k yuan)"
    assert rd.label_with_unit("zh") == "研发费用（数据年度）（万元）"
    assert REGISTRY["name"].label_with_unit("en") == REGISTRY["name"].label_en
    assert rd.header("en", False) == f"{rd.label_en} (万元)"  # workbooks as before
    assert REGISTRY.match_header(f"{rd.label_en} (万元)") == "rd_expense"
    assert REGISTRY.match_header(f"*{rd.label_en} (10k yuan)") == "rd_expense"
