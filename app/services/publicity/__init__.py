"""The public after-life of a result (SPEC §12.3): 公示 batches, 异议, 公告 with registration
numbers, revocation. Who may do what is checked here, whatever the channel (screen or
command): the province decides; city and county reviewers add investigation notes."""

from __future__ import annotations

from sqlalchemy import select

from app.domain.publicity import PublicityError
from app.extensions import db
from app.models import AppUser
from app.security import roles


def require_province(user) -> None:
    names = {r.name for r in getattr(user, "roles", None) or []}
    if not names & {roles.ADMIN, roles.PROVINCE_ADMIN}:
        raise PublicityError("只有省级管理员可以办理此事项。",
                             "Only the province administrator may do this.")


def is_reviewer(user) -> bool:
    names = {r.name for r in getattr(user, "roles", [])}
    return bool(names & roles.REGIONAL_ROLES)


def enterprise_users(enterprise_id: int) -> list[int]:
    return list(db.session.execute(select(AppUser.id).where(
        AppUser.enterprise_id == enterprise_id, AppUser.active.is_(True))).scalars())
