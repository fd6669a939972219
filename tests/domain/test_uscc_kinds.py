"""The entity kind a credit code names (GB 32100-2015): authority, then category."""

from app.domain.records import uscc_kinds


def test_industry_and_commerce_codes_name_their_kind():
    assert uscc_kinds.kind_label("91210202MA0000001J") == "企业"
    assert uscc_kinds.kind_label("91210202MA0000001J", "en") == "Enterprise"
    assert uscc_kinds.kind_of("91350100M000100Y43").is_enterprise
    assert uscc_kinds.kind_label("92210202MA0000001J") == "个体工商户"
    assert uscc_kinds.kind_label("93210202MA0000001J", "en") == "Farmers' cooperative"


def test_other_authorities_and_categories():
    assert uscc_kinds.kind_label("12100000400000000X") == "事业单位"
    assert uscc_kinds.kind_label("52100000500000000X", "en") == "Private non-enterprise unit"
    assert uscc_kinds.kind_label("N2210000000000000X") == "村级集体经济组织"
    assert not uscc_kinds.kind_of("12100000400000000X").is_enterprise


def test_an_unlisted_category_is_named_by_its_authority_and_a_wrong_code_by_nothing():
    assert uscc_kinds.kind_label("57100000500000000X") == "民政登记（类别 7）"
    assert uscc_kinds.kind_label("57100000500000000X", "en") == \
        "Registered by Civil affairs (category 7)"
    assert uscc_kinds.kind_of("B1210202MA0000001J") is None
    assert uscc_kinds.kind_of("9") is None and uscc_kinds.kind_of(None) is None
    assert uscc_kinds.kind_label(" 91abc ") == "企业"  # trimmed and read in capitals


def test_every_listed_kind_belongs_to_a_listed_authority():
    assert all(code[0] in uscc_kinds.AUTHORITIES and len(code) == 2
               for code in uscc_kinds.KINDS)
