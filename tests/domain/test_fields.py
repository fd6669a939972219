

def test_option_set_is_one_text_whatever_the_order_and_repeats():
    from app.domain.records.fields import option_set
    assert option_set(["高新技术企业", "科技型中小企业"]) == option_set(
        ["科技型中小企业", "高新技术企业", "科技型中小企业"])
    assert option_set(["瞪羚企业"]) == "瞪羚企业"
    assert option_set([]) is None and option_set(None) is None
