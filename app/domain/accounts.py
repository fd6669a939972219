"""Account policy: login names and password strength.

Returns problem codes rather than sentences so that the web layer can say
them in the user's language; ``app.security.policy`` holds the wording.
"""

from __future__ import annotations

import re

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{3,64}$")
PASSWORD_MIN_LENGTH = 8
PASSWORD_MIN_CLASSES = 3

TOO_SHORT = "too_short"
TOO_FEW_CLASSES = "too_few_classes"
BAD_USERNAME = "bad_username"


def username_problems(username: str | None) -> list[str]:
    if not username or not USERNAME_RE.match(username):
        return [BAD_USERNAME]
    return []


def character_classes(password: str) -> int:
    """How many of upper case, lower case, digits and symbols the password uses."""
    has_upper = any(c.isupper() for c in password)
    has_lower = any(c.islower() for c in password)
    has_digit = any(c.isdigit() for c in password)
    has_symbol = any(not c.isalnum() for c in password)
    return sum((has_upper, has_lower, has_digit, has_symbol))


def password_problems(password: str | None) -> list[str]:
    password = password or ""
    problems = []
    if len(password) < PASSWORD_MIN_LENGTH:
        problems.append(TOO_SHORT)
    if character_classes(password) < PASSWORD_MIN_CLASSES:
        problems.append(TOO_FEW_CLASSES)
    return problems


# Problems with the organisation a user is attached to.
NEEDS_ONE_ROLE = "needs_one_role"
REGION_LEVEL_MISMATCH = "region_level_mismatch"
NEEDS_ENTERPRISE = "needs_enterprise"
NEEDS_BANK = "needs_bank"


def organisation_problems(
    role_names: list[str],
    region_level: str | None,
    has_enterprise: bool,
    has_bank: bool,
    region_level_of_role: dict[str, str],
    enterprise_role: str,
    bank_role: str,
) -> list[str]:
    """A user has exactly one role, and carries what that role's scope is built on."""
    if len(role_names) != 1:
        return [NEEDS_ONE_ROLE]
    role = role_names[0]
    problems = []
    wanted_level = region_level_of_role.get(role)
    if wanted_level and region_level != wanted_level:
        problems.append(REGION_LEVEL_MISMATCH)
    if role == enterprise_role and not has_enterprise:
        problems.append(NEEDS_ENTERPRISE)
    if role == bank_role and not has_bank:
        problems.append(NEEDS_BANK)
    return problems
