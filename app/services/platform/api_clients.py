"""API clients of the third-party data API: a service account per client, scoped to a
region, holding FAB API keys (stored hashed; the key is shown once)."""

from __future__ import annotations

import secrets

from flask import current_app
from flask_appbuilder.security.sqla.models import ApiKey, Role
from flask_babel import gettext as _
from werkzeug.security import generate_password_hash

from app.domain.regions import contains, level_of
from app.extensions import db
from app.models import AppUser, Region
from app.security import roles
from app.services.platform.accounts import AccountError

ROLE_OF_LEVEL = {"province": roles.PROVINCE_ADMIN, "city": roles.CITY_REVIEWER,
                 "county": roles.COUNTY_REVIEWER}
PREFIX = "api_"


def create_client(name: str, region_code: str, creator_region: str) -> tuple[AppUser, str]:
    name = (name or "").strip()
    region = db.session.get(Region, region_code or "")
    if not name:
        raise AccountError(_("Name the client, e.g. the data provider's name."))
    if region is None or not contains(creator_region, region.code):
        raise AccountError(_("Choose a region inside your own area."))
    role = db.session.query(Role).filter_by(name=ROLE_OF_LEVEL[level_of(region.code)]).one()
    username = f"{PREFIX}{secrets.token_hex(6)}"
    user = AppUser(username=username, first_name=name[:64], last_name="API",
                   email=f"{username}@api.invalid", active=True, roles=[role],
                   region_code=region.code,
                   # Nobody knows this password: the account signs in only with its key.
                   password=generate_password_hash(secrets.token_urlsafe(32)))
    db.session.add(user)
    db.session.commit()
    created = current_app.appbuilder.sm.create_api_key(user, name[:200])
    if created is None:
        raise AccountError(_("The key could not be created. Try again."))
    return user, created["key"]


def clients_in(region_code: str) -> list[tuple[AppUser, list[ApiKey]]]:
    users = [u for u in db.session.query(AppUser).filter(AppUser.username.like(f"{PREFIX}%"))
             .order_by(AppUser.id) if u.region_code and contains(region_code, u.region_code)]
    keys = {}
    for key in db.session.query(ApiKey).filter(ApiKey.user_id.in_([u.id for u in users])):
        keys.setdefault(key.user_id, []).append(key)
    return [(u, keys.get(u.id, [])) for u in users]


def revoke(user: AppUser) -> None:
    sm = current_app.appbuilder.sm
    for key in db.session.query(ApiKey).filter_by(user_id=user.id):
        sm.revoke_api_key(key.uuid)
    user.active = False
    db.session.commit()
