from hypothesis import given
from hypothesis import strategies as st

from app.domain.records import uscc


def test_reference_codes():
    assert uscc.has_valid_check_digit("91350100M000100Y43")
    assert not uscc.has_valid_check_digit("91350100M000100Y44")


def test_weights():
    assert uscc.WEIGHTS == [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


@given(st.text(alphabet=uscc.ALPHABET, min_size=17, max_size=17))
def test_generated_codes_validate_and_any_other_check_character_fails(first17):
    code = first17 + uscc.check_character(first17)
    assert uscc.has_valid_check_digit(code)
    for other in uscc.ALPHABET:
        if other != code[17]:
            assert not uscc.has_valid_check_digit(first17 + other)


def test_letters_outside_the_alphabet_are_malformed():
    assert not uscc.is_well_formed("91350100I000100Y43")
    assert not uscc.is_well_formed("91350100m000100y43")
    assert not uscc.is_well_formed("91350100M000100Y4")
