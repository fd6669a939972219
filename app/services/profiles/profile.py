"""One enterprise's profile as a user may see it: officials in scope every run's latest
result, the enterprise only its confirmed ones; anyone else is told no such enterprise
exists, exactly as for an unknown credit code (SPEC §12.4)."""

from __future__ import annotations

from sqlalchemy import select

from app.domain.profiles import NUMERIC_FIELDS, TRUE
from app.extensions import db
from app.models import Enterprise, Pool, PoolMembership
from app.security.scope import ENTERPRISE, NOTHING, UserScope, current_scope, restrict
from app.services.profiles import NOT_FOUND, ProfileError
from app.services.profiles.criteria import active_tags
from app.services.profiles.gather import latest_scores, profile_of


def find(uscc: str, scope: UserScope | None = None) -> Enterprise:
    scope = scope or current_scope()
    code = (uscc or "").strip().upper()
    enterprise = None
    if scope.kind != NOTHING and code:
        enterprise = db.session.execute(restrict(
            select(Enterprise).where(Enterprise.uscc == code), Enterprise, scope)).scalar()
    if enterprise is None:
        raise ProfileError(*NOT_FOUND)
    return enterprise


def tags_of(profile) -> list[str]:
    return [rule.name for rule, criterion in active_tags()
            if criterion.evaluate(profile)[0] == TRUE]


def memberships(enterprise_id: int) -> list[dict]:
    rows = db.session.execute(select(PoolMembership, Pool).join(Pool).where(
        PoolMembership.enterprise_id == enterprise_id).order_by(
        PoolMembership.since, PoolMembership.id))
    return [{"pool": pool.name, "pool_key": pool.key, "pool_en": pool.name_en,
             "since": m.since.isoformat(), "until": m.until.isoformat() if m.until else None}
            for m, pool in rows]


def show(uscc: str, scope: UserScope | None = None) -> dict:
    """The profile of SPEC §11 ``profile show --json`` (fields may be added, never renamed)."""
    scope = scope or current_scope()
    enterprise = find(uscc, scope)
    own = scope.kind == ENTERPRISE
    profile = profile_of(enterprise, confirmed_only=own)
    years = {str(year): {key: values.get(key) for key in NUMERIC_FIELDS}
             for year, values in sorted(profile.years.items())}
    scores = [score for year in sorted(latest_scores(enterprise.id, own).items())
              for score in year[1]]
    latest = profile.years.get(profile.latest_year, {}) if profile.years else {}
    return {"uscc": enterprise.uscc, "name": enterprise.name,
            "region_code": enterprise.region_code,
            "qualifications": latest.get("qualifications") or [],
            "tech_field": latest.get("tech_field"), "scale": latest.get("scale"),
            "years": years, "scores": scores, "tags": tags_of(profile) if profile.years else [],
            "pools": memberships(enterprise.id), "own": own}
