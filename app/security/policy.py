"""Account policy in the user's language, for forms, the security manager and the CLI."""

from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import gettext as _
from wtforms import ValidationError

from app.domain import accounts


def password_messages(password: str | None) -> list[str]:
    messages = {
        accounts.TOO_SHORT: _(
            "The password must be at least %(n)d characters long.", n=accounts.PASSWORD_MIN_LENGTH
        ),
        accounts.TOO_FEW_CLASSES: _(
            "The password must mix at least three of: upper-case letters, lower-case "
            "letters, digits and symbols (for example Abc#2026x)."
        ),
    }
    return [messages[p] for p in accounts.password_problems(password)]


def username_messages(username: str | None) -> list[str]:
    if accounts.username_problems(username):
        return [
            _(
                "The login name may contain only letters, digits and the underscore, "
                "3 to 64 characters (for example dalian_review01)."
            )
        ]
    return []


def validate_password(password: str) -> None:
    """FAB_PASSWORD_COMPLEXITY_VALIDATOR: raises with every problem found."""
    problems = password_messages(password)
    if problems:
        raise PasswordComplexityValidationError(" ".join(problems))


def username_validator(_form, field) -> None:
    problems = username_messages(field.data)
    if problems:
        raise ValidationError(problems[0])
