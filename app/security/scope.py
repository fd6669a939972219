"""Who may see which rows — the one scoping mechanism.

Every scoped model declares ``__scope__ = ScopeSpec(...)`` naming the column
that holds its county code, the column that holds its enterprise id, and how a
bank reaches it. ``scope_clause`` turns a user's scope into a SQL condition for
that model; FAB list/show/edit/delete views apply it through ``ScopeFilter``,
and hand-written queries, exports, charts and APIs call ``restrict``.
Rows outside the scope simply do not exist for the user: views answer 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g, has_request_context, session
from sqlalchemy import and_, false, true
from sqlalchemy.sql.elements import ColumnElement

from app.domain.regions import code_range, level_of
from app.models.scoping import ScopeSpec
from app.security import roles

ALL, REGION, ENTERPRISE, BANK, NOTHING = "all", "region", "enterprise", "bank", "nothing"


@dataclass(frozen=True)
class UserScope:
    kind: str
    region_code: str | None = None
    enterprise_id: int | None = None
    bank_id: int | None = None


def scope_of(user: Any) -> UserScope:
    """The scope a user's roles and organisation give it. No organisation, no rows."""
    if user is None or not getattr(user, "is_authenticated", False):
        return UserScope(NOTHING)
    names = {role.name for role in user.roles}
    if roles.ADMIN in names:
        return UserScope(ALL)
    if names & roles.REGIONAL_ROLES and user.region_code:
        return UserScope(REGION, region_code=user.region_code)
    if roles.ENTERPRISE in names and user.enterprise_id:
        return UserScope(ENTERPRISE, enterprise_id=user.enterprise_id)
    if roles.BANK in names and user.bank_id:
        return UserScope(BANK, bank_id=user.bank_id)
    return UserScope(NOTHING)


def current_scope() -> UserScope:
    """The user's scope, narrowed to the region chosen in the top bar (``focus_region`` in
    the session) when that region lies inside it; a region outside is ignored, so the
    switch can never widen what a user sees."""
    return narrowed(scope_of(getattr(g, "user", None)),
                    session.get(FOCUS_KEY) if has_request_context() else None)


FOCUS_KEY = "focus_region"


def narrowed(scope: UserScope, region: str | None) -> UserScope:
    """``scope`` limited to ``region`` if the region is inside it; else ``scope`` as it is."""
    if not region or scope.kind not in (ALL, REGION):
        return scope
    try:
        level_of(region)
    except ValueError:
        return scope
    if scope.kind == REGION and not (region.startswith(scope.region_code)
                                     and len(region) > len(scope.region_code)):
        return scope
    return UserScope(REGION, region_code=region)


def scope_clause(model: type, scope: UserScope) -> ColumnElement:
    spec: ScopeSpec | None = getattr(model, "__scope__", None)
    if spec is None:
        raise TypeError(f"{model.__name__} declares no __scope__ and cannot be scoped")
    if scope.kind == ALL:
        return true()
    if scope.kind == REGION and spec.region:
        column = getattr(model, spec.region)
        low, high = code_range(scope.region_code)
        return and_(column >= low, column < high)
    if scope.kind == ENTERPRISE and spec.enterprise:
        return getattr(model, spec.enterprise) == scope.enterprise_id
    if scope.kind == BANK and spec.bank:
        return spec.bank(model, scope.bank_id)
    return false()


def restrict(query, model: type, scope: UserScope | None = None):
    """Apply the (current user's) scope to a Query or a Select over ``model``."""
    return query.filter(scope_clause(model, scope or current_scope()))
