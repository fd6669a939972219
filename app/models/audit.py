from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import JSON, BigInteger, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets 64 bits.
_BIG_ID = BigInteger().with_variant(Integer, "sqlite")


class AuditLog(Model):
    """One thing that happened. Append-only: the migration installs triggers that
    refuse UPDATE and DELETE on both databases, and no screen offers either."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    username: Mapped[str | None] = mapped_column(String(128), index=True)
    ip: Mapped[str | None] = mapped_column(String(45))
    action: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    object_type: Mapped[str | None] = mapped_column(String(64), index=True)
    object_id: Mapped[str | None] = mapped_column(String(64))
    object_repr: Mapped[str | None] = mapped_column(String(255))
    changes: Mapped[dict | None] = mapped_column(JSON)
    detail: Mapped[str | None] = mapped_column(String(500))

    def __repr__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.username} {self.action}"
