"""统一社会信用代码 (GB 32100-2015): alphabet and check digit."""

from operator import mul

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_CHARACTERS = frozenset(ALPHABET)
WEIGHTS = [pow(3, i, 31) for i in range(17)]


def check_character(first17: str) -> str:
    """The 18th character for the first 17; KeyError on a character outside the alphabet."""
    if len(first17) != 17:
        raise ValueError("need the first 17 characters")
    total = sum(map(mul, map(_VALUE.__getitem__, first17), WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def is_well_formed(code: str) -> bool:
    return len(code) == 18 and _CHARACTERS.issuperset(code)


def has_valid_check_digit(code: str) -> bool:
    return is_well_formed(code) and check_character(code[:17]) == code[17]
