from flask_appbuilder import Model
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.i18n import current_language


class Region(Model):
    """Province, city or county (GB/T 2260). Reference data, visible to every user.

    Names exist in both languages: ``name`` and ``full_name`` (辽宁省大连市中山区) as the
    national division data spells them, ``name_en`` and ``full_name_en`` ("Zhongshan
    District, Dalian, Liaoning") in pinyin from ``data/regions/names_en.csv``. A region
    shows itself (``str``, so in every list and picker) by its full name in the user's
    language."""

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    level: Mapped[str] = mapped_column(String(8), nullable=False, index=True)
    parent_code: Mapped[str | None] = mapped_column(
        String(6), ForeignKey("region.code"), index=True
    )
    full_name: Mapped[str] = mapped_column(String(128), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(128))
    full_name_en: Mapped[str | None] = mapped_column(String(256))

    parent = relationship("Region", remote_side=[code])

    def label(self, lang: str | None = None) -> str:
        """The region's own name: 中山区 or "Zhongshan District"."""
        if (lang or current_language()) == "en" and self.name_en:
            return self.name_en
        return self.name

    def full_label(self, lang: str | None = None) -> str:
        """The full name: 辽宁省大连市中山区 or "Zhongshan District, Dalian, Liaoning"."""
        if (lang or current_language()) == "en" and self.full_name_en:
            return self.full_name_en
        return self.full_name

    def __str__(self) -> str:
        return self.full_label()

    def __repr__(self) -> str:
        return self.full_name
