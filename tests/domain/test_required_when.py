"""Fields the dictionary marks "required when <flag>" (the financing need's amount and types)
are required when the flag is yes — in the form's path and the batch upload's column path."""

from app.domain.records.fields import REGISTRY
from app.domain.records.validation import Validator
from tests.domain.test_rules import LOOKUPS


def _codes(findings):
    return sorted(f.rule for f in findings if f.rule.startswith("F:financing_need"))


def test_the_dictionary_names_the_condition():
    assert REGISTRY["financing_need_amount"].required_when == "needs_financing"
    assert REGISTRY["financing_need_types"].required_when == "needs_financing"
    assert REGISTRY["revenue"].required_when is None


def test_required_only_when_financing_is_needed():
    validator = Validator(2025, LOOKUPS)
    _values, findings, _notes, unusable = validator.normalize({"needs_financing": "是"})
    assert _codes(findings) == ["F:financing_need_amount", "F:financing_need_types"]
    assert "financing_need_amount" in unusable
    message = next(f for f in findings if f.rule == "F:financing_need_amount")
    assert "为“是”时必填" in message.message_zh and "required when" in message.message_en
    _values, findings, _notes, _unusable = validator.normalize(
        {"needs_financing": "是", "financing_need_amount": "300",
         "financing_need_types": "信用贷款"})
    assert _codes(findings) == []
    _values, findings, _notes, _unusable = validator.normalize({"needs_financing": "否"})
    assert _codes(findings) == []


def test_the_column_path_agrees():
    validator = Validator(2025, LOOKUPS)
    columns = {0: "needs_financing", 1: "financing_need_amount", 2: "financing_need_types"}
    rows = [["是", None, None], ["是", 300.0, "信用贷款"], ["否", None, None],
            ["是", "", "股权融资"]]
    by_columns = validator.normalize_rows(rows, columns)
    for row, (_values, findings, _notes, _unusable) in zip(rows, by_columns, strict=True):
        single = validator.normalize(dict(zip(columns.values(), row, strict=True)))[1]
        assert _codes(findings) == _codes(single)
    assert _codes(by_columns[0][1]) == ["F:financing_need_amount", "F:financing_need_types"]
    assert _codes(by_columns[3][1]) == ["F:financing_need_amount"]
