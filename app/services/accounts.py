"""Creating accounts and setting passwords: one place, policy always applied."""

from __future__ import annotations

from flask_appbuilder.security.sqla.models import Role
from flask_babel import gettext as _
from werkzeug.security import generate_password_hash

from app.domain import accounts
from app.domain.regions import level_of
from app.extensions import db
from app.models import AppUser, Bank, Enterprise, Region
from app.security import roles
from app.security.policy import password_messages, username_messages


class AccountError(ValueError):
    """Bad account data; the message says what to change."""


def create_user(username: str, password: str, role_name: str, *, first_name: str,
                last_name: str, email: str, region_code: str | None = None,
                enterprise_id: int | None = None, bank_id: int | None = None) -> AppUser:
    problems = username_messages(username) + password_messages(password)
    role = db.session.query(Role).filter_by(name=role_name).one_or_none()
    if role is None or role_name not in roles.ROLES:
        problems.append(_("Unknown role %(role)s. Run the set-up first.", role=role_name))
    if region_code and db.session.get(Region, region_code) is None:
        problems.append(_("Unknown region code %(code)s.", code=region_code))
    if enterprise_id and db.session.get(Enterprise, enterprise_id) is None:
        problems.append(_("Unknown enterprise."))
    if bank_id and db.session.get(Bank, bank_id) is None:
        problems.append(_("Unknown financial institution."))
    if db.session.query(AppUser).filter(
        (AppUser.username == username) | (AppUser.email == email)
    ).first():
        problems.append(_("A user with this login name or e-mail already exists."))
    if not problems:
        org = accounts.organisation_problems(
            [role_name], level_of(region_code) if region_code else None,
            bool(enterprise_id), bool(bank_id), roles.REGION_LEVEL_OF_ROLE,
            roles.ENTERPRISE, roles.BANK,
        )
        if org:
            problems.append(_("The role %(role)s needs a matching region, enterprise or bank.",
                              role=str(roles.ROLE_LABELS[role_name])))
    if problems:
        raise AccountError(" ".join(problems))
    user = AppUser(
        username=username, first_name=first_name, last_name=last_name, email=email,
        active=True, password=generate_password_hash(password), roles=[role],
        region_code=region_code, enterprise_id=enterprise_id, bank_id=bank_id,
    )
    db.session.add(user)
    db.session.commit()
    return user
