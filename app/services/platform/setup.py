"""Create or upgrade the database and load what every deployment needs (idempotent)."""

from __future__ import annotations

import csv
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app
from flask_migrate import upgrade

from app.domain.regions import PROVINCE, RegionRow, load_regions
from app.extensions import db
from app.models import Bank, Region
from app.security import roles

REGIONS_DIR = Path(__file__).resolve().parents[2] / "data" / "regions"
TRANSLATIONS_DIR = Path(__file__).resolve().parents[3] / "translations"

# The 21 national institutions of the 科技创新再贷款 programme, in the PBoC's order.
NATIONAL_BANKS = [
    "国家开发银行", "中国进出口银行", "中国农业发展银行", "工商银行", "农业银行", "中国银行",
    "建设银行", "交通银行", "邮储银行", "招商银行", "浦发银行", "中信银行", "光大银行",
    "华夏银行", "民生银行", "广发银行", "平安银行", "兴业银行", "恒丰银行", "浙商银行", "渤海银行",
]


def run_setup() -> dict[str, int]:
    compile_translations()
    upgrade(directory=str(Path(current_app.root_path).parent / "migrations"))
    counts = {"regions": load_region_tree(), "banks": load_national_banks()}
    db.session.commit()
    counts["roles"] = create_roles()
    current_app.appbuilder.add_permissions(update_perms=True)
    return counts


def compile_translations() -> int:
    """Compile translations/*/LC_MESSAGES/messages.po where the .mo is missing or older."""
    compiled = 0
    for po_path in TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with open(po_path, "rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parts[-3])
        with open(mo_path, "wb") as mo_file:
            write_mo(mo_file, catalog)
        compiled += 1
    return compiled


def load_region_tree() -> int:
    """Insert missing regions and correct changed names (Chinese and English); returns how
    many changed."""
    existing = {r.code: r for r in db.session.query(Region)}
    changed = 0
    new_rows = []
    for row, name_en, full_name_en in english_region_names(load_regions(REGIONS_DIR)):
        names = dict(name=row.name, full_name=row.full_name, name_en=name_en,
                     full_name_en=full_name_en)
        current = existing.get(row.code)
        if current is None:
            new_rows.append(dict(code=row.code, level=row.level, parent_code=row.parent_code,
                                 **names))
        elif any(getattr(current, key) != value for key, value in names.items()):
            for key, value in names.items():
                setattr(current, key, value)
            changed += 1
    if new_rows:
        # Parents come first in the file, so foreign keys hold row by row.
        db.session.execute(Region.__table__.insert(), new_rows)
    return changed + len(new_rows)


def english_region_names(rows: list[RegionRow]) -> list[tuple[RegionRow, str | None,
                                                             str | None]]:
    """Each region with its English name (names_en.csv) and English full name, the region
    first and its parents after it: "Zhongshan District, Dalian, Liaoning". A region the
    file lacks keeps no English name (its Chinese one shows)."""
    with open(REGIONS_DIR / "names_en.csv", encoding="utf-8") as f:
        names = {r["code"]: r["name_en"].strip() for r in csv.DictReader(f) if r["name_en"]}
    full: dict[str, str | None] = {}
    by_code = {row.code: row for row in rows}
    out = []
    for row in rows:  # parents first
        name_en = names.get(row.code)
        parent = by_code.get(row.parent_code) if row.parent_code else None
        if name_en is None:
            full_en = None
        elif row.level == PROVINCE or parent is None:
            full_en = name_en
        elif row.full_name == parent.full_name:  # 市辖区 and the like add nothing
            full_en = full.get(parent.code)
        else:
            parent_full = full.get(parent.code)
            full_en = f"{name_en}, {parent_full}" if parent_full else None
        full[row.code] = full_en
        out.append((row, name_en, full_en))
    return out


def load_national_banks() -> int:
    known = {name for (name,) in db.session.query(Bank.name)}
    added = [Bank(name=name, is_national=True) for name in NATIONAL_BANKS if name not in known]
    db.session.add_all(added)
    return len(added)


def create_roles() -> int:
    sm = current_app.appbuilder.sm
    created = 0
    for name in (*roles.ROLES, roles.PUBLIC):
        if sm.find_role(name) is None:
            sm.add_role(name)
            created += 1
    return created
