"""Demo data (idempotent): one user per role and a few enterprises across 辽宁省.

Later features extend this with activities, submissions and scores.
"""

from __future__ import annotations

from app.domain.uscc import check_character
from app.extensions import db
from app.models import AppUser, Bank, Enterprise
from app.security import roles
from app.services.accounts import create_user

DEMO_PASSWORD = "Demo#2026"
DEMO_COUNTY = "210202"  # 大连市中山区

# (name, county, serial) — USCCs are generated with a valid check digit.
DEMO_ENTERPRISES = [
    ("大连星海智能装备有限公司", "210202", 1),
    ("大连港湾生物医药有限公司", "210203", 2),
    ("大连金州新材料科技有限公司", "210213", 3),
    ("沈阳浑南信息技术有限公司", "210112", 4),
    ("沈阳铁西精密制造有限公司", "210106", 5),
    ("鞍山钢城新能源科技有限公司", "210302", 6),
    ("锦州滨海电子有限公司", "210703", 7),
    ("营口鲅鱼圈环保科技有限公司", "210804", 8),
]


def demo_uscc(county: str, serial: int) -> str:
    first17 = f"9121{county[2:]}MA{serial:07d}"[:17]
    first17 = first17.replace("I", "1").replace("O", "0")
    return first17 + check_character(first17)


def demo_users() -> list[tuple[str, str, str]]:
    """(login, role label, password) for printing."""
    return [(u, str(roles.ROLE_LABELS[r]), DEMO_PASSWORD) for u, r, *_ in _USERS]


_USERS = [
    ("admin", roles.ADMIN, "系统", "管理员", {}),
    ("province_admin", roles.PROVINCE_ADMIN, "辽宁省", "管理员", {"region_code": "21"}),
    ("city_reviewer", roles.CITY_REVIEWER, "大连市", "审核员", {"region_code": "2102"}),
    ("county_reviewer", roles.COUNTY_REVIEWER, "中山区", "审核员", {"region_code": DEMO_COUNTY}),
    ("enterprise_user", roles.ENTERPRISE, "星海智能", "填报员", {"enterprise": 0}),
    ("bank_user", roles.BANK, "工商银行", "客户经理", {"bank": "工商银行"}),
]


def load_demo() -> dict[str, int]:
    enterprises = []
    added_enterprises = 0
    for name, county, serial in DEMO_ENTERPRISES:
        uscc = demo_uscc(county, serial)
        enterprise = db.session.query(Enterprise).filter_by(uscc=uscc).one_or_none()
        if enterprise is None:
            enterprise = Enterprise(uscc=uscc, name=name, region_code=county)
            db.session.add(enterprise)
            added_enterprises += 1
        enterprises.append(enterprise)
    db.session.commit()

    added_users = 0
    for username, role, first, last, org in _USERS:
        if db.session.query(AppUser).filter_by(username=username).first():
            continue
        kwargs = {"region_code": org.get("region_code")}
        if "enterprise" in org:
            kwargs["enterprise_id"] = enterprises[org["enterprise"]].id
        if "bank" in org:
            kwargs["bank_id"] = db.session.query(Bank).filter_by(name=org["bank"]).one().id
        create_user(username, DEMO_PASSWORD, role, first_name=first, last_name=last,
                    email=f"{username}@demo.invalid", **kwargs)
        added_users += 1
    return {"enterprises": added_enterprises, "users": added_users}
