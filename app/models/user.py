from datetime import datetime

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.scoping import ScopeSpec


class AppUser(User):
    """FAB's user plus what decides its scope: a region, an enterprise or a bank."""

    __tablename__ = "ab_user"
    # Bureaus see the accounts of their region (e.g. registrations awaiting activation).
    __scope__ = ScopeSpec(region="region_code")
    __table_args__ = {"extend_existing": True}
    __audited__ = True
    # Never copy secrets into the audit log; record only that they changed.
    __audit_redacted__ = frozenset({"password"})

    region_code: Mapped[str | None] = mapped_column(
        String(6), ForeignKey("region.code"), index=True
    )
    enterprise_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("enterprise.id"), index=True
    )
    bank_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("bank.id"), index=True)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)

    region = relationship("Region")
    enterprise = relationship("Enterprise", backref="users")
    bank = relationship("Bank", backref="users")
