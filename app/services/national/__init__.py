"""The national loop (SPEC §12.5): 报送 batches to the Ministry (a file package or an HTTP
push), its problem list sent back through the normal correction path, and its points kept
beside our own runs for the province's 积分反馈确认. Every operation is the province's."""

from __future__ import annotations

from flask import g

from app.domain.errors import BilingualError
from app.security import roles


class NationalError(BilingualError):
    """A national-loop operation is refused; the message says why and what to do."""


def require_province() -> None:
    """The national loop acts within the deployment's province, for its administrator."""
    user = getattr(g, "user", None)
    names = {r.name for r in getattr(user, "roles", None) or []}
    if not names & {roles.ADMIN, roles.PROVINCE_ADMIN}:
        raise NationalError("只有省级管理员可以办理报送国家的事项。",
                            "Only the province administrator may report to the Ministry.")


def username() -> str | None:
    return getattr(getattr(g, "user", None), "username", None)
