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


def initial_password() -> str:
    """A random password that meets the policy and can be read out over the phone."""
    import secrets

    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"
    body = "".join(secrets.choice(alphabet) for _ in range(8))
    return f"{body[:4]}#{secrets.randbelow(90) + 10}{body[4:]}A"


def create_enterprise_account(enterprise: Enterprise, commit: bool = True) -> tuple[AppUser, str]:
    """An account for an enterprise, named by its credit code, with a fresh password."""
    if db.session.query(AppUser).filter_by(username=enterprise.uscc).first():
        raise AccountError(_("%(name)s already has an account.", name=enterprise.name))
    password = initial_password()
    role = db.session.query(Role).filter_by(name=roles.ENTERPRISE).one()
    user = AppUser(username=enterprise.uscc, first_name=enterprise.name[:64], last_name="-",
                   email=f"{enterprise.uscc.lower()}@enterprise.invalid", active=True,
                   password=generate_password_hash(password), roles=[role],
                   enterprise_id=enterprise.id, region_code=enterprise.region_code)
    db.session.add(user)
    if commit:
        db.session.commit()
    return user, password


def enterprises_without_account(enterprise_ids) -> list[Enterprise]:
    having = db.session.query(AppUser.enterprise_id).filter(AppUser.enterprise_id.isnot(None))
    return (db.session.query(Enterprise)
            .filter(Enterprise.id.in_(enterprise_ids), Enterprise.id.notin_(having))
            .order_by(Enterprise.region_code, Enterprise.name).all())


def create_accounts(enterprises: list[Enterprise]) -> list[tuple[Enterprise, str, str]]:
    """Accounts for many enterprises at once, in one transaction: (enterprise, login, password)."""
    created = []
    for enterprise in enterprises:
        user, password = create_enterprise_account(enterprise, commit=False)
        created.append((enterprise, user.username, password))
    db.session.commit()
    return created


def register_enterprise(*, uscc: str, name: str, region_code: str, contact_name: str,
                        email: str, username: str, password: str,
                        province_code: str) -> AppUser:
    """Self-registration: an inactive account until the county bureau activates it."""
    from app.domain.records.uscc import is_well_formed

    uscc = (uscc or "").strip().upper()
    problems = username_messages(username) + password_messages(password)
    if not is_well_formed(uscc):
        problems.append(_("The credit code must be 18 characters of digits and capital letters."))
    if not (name or "").strip():
        problems.append(_("Enter the enterprise name."))
    region = db.session.get(Region, region_code or "")
    if region is None or region.level != "county" or not region.code.startswith(province_code):
        problems.append(_("Choose the county the enterprise is registered in."))
    if not (contact_name or "").strip() or "@" not in (email or ""):
        problems.append(_("Enter a contact name and e-mail address."))
    if db.session.query(AppUser).filter(
            (AppUser.username == username) | (AppUser.email == email)).first():
        problems.append(_("A user with this login name or e-mail already exists."))
    enterprise = db.session.query(Enterprise).filter_by(uscc=uscc).one_or_none()
    if enterprise is not None and db.session.query(AppUser).filter_by(
            enterprise_id=enterprise.id, active=True).first():
        problems.append(_("This enterprise already has an account; ask your county bureau "
                          "to reset its password."))
    if problems:
        raise AccountError(" ".join(problems))
    if enterprise is None:
        enterprise = Enterprise(uscc=uscc, name=name.strip()[:100], region_code=region.code)
        db.session.add(enterprise)
        db.session.flush()
    role = db.session.query(Role).filter_by(name=roles.ENTERPRISE).one()
    user = AppUser(username=username, first_name=contact_name.strip()[:64], last_name="-",
                   email=email.strip(), active=False, password=generate_password_hash(password),
                   roles=[role], enterprise_id=enterprise.id, region_code=enterprise.region_code)
    db.session.add(user)
    db.session.commit()
    return user


def activate(users: list[AppUser]) -> int:
    count = 0
    for user in users:
        if not user.active:
            user.active = True
            count += 1
    db.session.commit()
    return count
