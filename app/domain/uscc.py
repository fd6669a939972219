"""统一社会信用代码 (GB 32100-2015): alphabet and check digit."""

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
WEIGHTS = [pow(3, i, 31) for i in range(17)]


def check_character(first17: str) -> str:
    """The 18th character for the first 17; KeyError on a character outside the alphabet."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_well_formed(code: str) -> bool:
    return len(code) == 18 and all(c in _VALUE for c in code)


def has_valid_check_digit(code: str) -> bool:
    return is_well_formed(code) and check_character(code[:17]) == code[17]
