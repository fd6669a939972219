"""The expression language accepts arithmetic over known fields and nothing else."""

import pytest

from app.domain.expressions import ExpressionError, NoValue, compile_expression

FIELDS = {"rd_expense", "revenue", "qualifications", "ranking_list_level"}


def value(text, **env):
    return compile_expression(text, FIELDS, {"count": len}).evaluate(env)


def test_arithmetic_and_precedence():
    assert value("rd_expense / revenue * 100", rd_expense=5, revenue=200) == 2.5
    assert value("(rd_expense + 1) ** 2 - revenue % 3", rd_expense=2, revenue=7) == 8
    assert value("-rd_expense + +revenue", rd_expense=2, revenue=7) == 5


def test_comparisons_logic_and_conditionals():
    assert value("0 < rd_expense <= revenue", rd_expense=1, revenue=1) is True
    assert value("rd_expense > 1 and revenue > 1 or not revenue", rd_expense=0, revenue=0)
    assert value("ranking_list_level == '国家榜单'", ranking_list_level="国家榜单")
    assert value("ranking_list_level in ('国家榜单', '省级榜单')", ranking_list_level="省级榜单")
    assert value("10 if rd_expense > revenue else 0", rd_expense=3, revenue=2) == 10


def test_allowed_function():
    assert value("count(qualifications) > 0", qualifications=["高新技术企业"])


def test_division_by_zero_has_no_value():
    with pytest.raises(NoValue):
        value("rd_expense / revenue", rd_expense=1, revenue=0)


def test_names_read_are_reported():
    assert compile_expression("rd_expense / revenue", FIELDS).names == {"rd_expense", "revenue"}


def test_constants_are_fixed_at_compile_time():
    expr = compile_expression("rd_expense >= high", FIELDS, constants={"high": 3000})
    assert expr.names == {"rd_expense"}
    assert expr.evaluate({"rd_expense": 3000}) is True


@pytest.mark.parametrize("text, says", [
    ("rd_expence / revenue", "Unknown field"),
    ("(rd_expense + revenue", "brackets"),
    ("rd_expense +", "brackets"),
    ("__import__('os').system('id')", "cannot be called"),
    ("open('/etc/passwd')", "cannot be called"),
    ("rd_expense.__class__", "not allowed"),
    ("revenue[0]", "not allowed"),
    ("(lambda: 1)()", "cannot be called"),
    ("[x for x in revenue]", "not allowed"),
    ("2 ** 100000", "exponent"),
    ("count(qualifications, key=1)", "position"),
    ("_secret", "Unknown field"),
    ("", "empty"),
    ("x" * 3000, "too long"),
    ("{'a': 1}", "not allowed"),
    ("(rd_expense := 1)", "not allowed"),
])
def test_refused_with_a_message_in_both_languages(text, says):
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text, FIELDS, {"count": len})
    assert says in caught.value.message_en
    assert caught.value.message_zh


def test_runtime_exponent_guard():
    with pytest.raises(NoValue):
        value("revenue ** rd_expense", revenue=10, rd_expense=1000)


@pytest.mark.parametrize("text", ["-" * 60 + "1", "-" * 1999 + "1", "(" * 300 + "1" + ")" * 300,
                                  "1+" * 900 + "1"])
def test_deep_nesting_refused(text):
    with pytest.raises(ExpressionError):
        compile_expression(text, FIELDS)
