from flask_appbuilder import Model
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship


class Region(Model):
    """Province, city or county (GB/T 2260). Reference data, visible to every user."""

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    level: Mapped[str] = mapped_column(String(8), nullable=False, index=True)
    parent_code: Mapped[str | None] = mapped_column(
        String(6), ForeignKey("region.code"), index=True
    )
    full_name: Mapped[str] = mapped_column(String(128), nullable=False)

    parent = relationship("Region", remote_side=[code])

    def __repr__(self) -> str:
        return self.full_name
