import pytest

from app.domain import accounts


@pytest.mark.parametrize("name", ["abc", "dalian_review01", "A_1", "x" * 64])
def test_good_login_names(name):
    assert accounts.username_problems(name) == []


@pytest.mark.parametrize("name", ["", None, "ab", "x" * 65, "张三", "a b", "a-b", "a.b", "a@b"])
def test_bad_login_names(name):
    assert accounts.username_problems(name) == [accounts.BAD_USERNAME]


@pytest.mark.parametrize("password", ["Abcdefg1", "abcdef1#", "ABCDEF1#", "Abcdefg#", "Demo#2026"])
def test_strong_passwords(password):
    assert accounts.password_problems(password) == []


@pytest.mark.parametrize(
    "password, problems",
    [
        ("Abc#12", [accounts.TOO_SHORT]),
        ("abcdefgh", [accounts.TOO_FEW_CLASSES]),
        ("abcdefg1", [accounts.TOO_FEW_CLASSES]),
        ("ABCDEFG#", [accounts.TOO_FEW_CLASSES]),
        ("", [accounts.TOO_SHORT, accounts.TOO_FEW_CLASSES]),
        (None, [accounts.TOO_SHORT, accounts.TOO_FEW_CLASSES]),
    ],
)
def test_weak_passwords(password, problems):
    assert accounts.password_problems(password) == problems


LEVELS = {"P": "province", "C": "city", "K": "county"}


@pytest.mark.parametrize(
    "role, level, ent, bank, expected",
    [
        ("P", "province", False, False, []),
        ("P", "city", False, False, [accounts.REGION_LEVEL_MISMATCH]),
        ("C", "city", False, False, []),
        ("K", None, False, False, [accounts.REGION_LEVEL_MISMATCH]),
        ("E", None, True, False, []),
        ("E", None, False, False, [accounts.NEEDS_ENTERPRISE]),
        ("B", None, False, True, []),
        ("B", None, False, False, [accounts.NEEDS_BANK]),
        ("A", None, False, False, []),
    ],
)
def test_organisation_of_each_role(role, level, ent, bank, expected):
    got = accounts.organisation_problems([role], level, ent, bank, LEVELS, "E", "B")
    assert got == expected


def test_exactly_one_role():
    assert accounts.organisation_problems([], None, False, False, LEVELS, "E", "B") == [
        accounts.NEEDS_ONE_ROLE]
    assert accounts.organisation_problems(["A", "P"], "province", False, False, LEVELS, "E",
                                          "B") == [accounts.NEEDS_ONE_ROLE]
