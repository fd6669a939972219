"""Enterprises and banks: the organisations users belong to.

The reporting issue extends Enterprise with its master data; here it carries
what scoping needs: its USCC, its name and the county it is registered in.
"""

from flask_appbuilder import Model
from sqlalchemy import Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.mixins import TrackedMixin
from app.models.scoping import ScopeSpec


class Enterprise(TrackedMixin, Model):
    __tablename__ = "enterprise"
    __scope__ = ScopeSpec(region="region_code", enterprise="id")
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    region_code: Mapped[str] = mapped_column(
        String(6), ForeignKey("region.code"), nullable=False, index=True
    )

    region = relationship("Region")

    def __repr__(self) -> str:
        return self.name


class Bank(TrackedMixin, Model):
    """A lender: the national re-lending institutions, plus local banks a province adds."""

    __tablename__ = "bank"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    is_national: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Local banks belong to the province that added them; national ones to none.
    province_code: Mapped[str | None] = mapped_column(String(6), ForeignKey("region.code"))
    # Recommended enterprises that named no bank go to the province's default banks.
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                             server_default=false())

    def __repr__(self) -> str:
        return self.name
