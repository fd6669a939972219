"""One-time codes with which an enterprise reads its own status on the public portal: sent to
a contact the platform already holds, kept only as a keyed hash, valid ten minutes and five
tries. Every request leaves a row, even one that sent nothing, so the throttles count probes
too."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

EMAIL, SMS = "email", "sms"
CHANNELS = (EMAIL, SMS)


class StatusQueryCode(Model):
    __tablename__ = "status_query_code"
    __audited__ = True
    # The hash of a six-digit code is easily reversed by trying all of them: never copied.
    __audit_redacted__ = frozenset({"code_hash"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    code_hash: Mapped[str | None] = mapped_column(String(64))  # none when nothing was sent
    channel: Mapped[str] = mapped_column(String(8), nullable=False)
    sent_to_masked: Mapped[str | None] = mapped_column(String(100))
    requested_by: Mapped[str | None] = mapped_column(String(45), index=True)  # client address
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, index=True,
                                                    default=dt.datetime.now)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    def __repr__(self) -> str:
        return f"{self.uscc} {self.channel} {self.sent_to_masked or '—'}"
