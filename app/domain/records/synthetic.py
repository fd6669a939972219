"""Realistic generated enterprise records, for demo data, benchmarks and tests.

Deterministic for a given seed. Figures follow rough shapes of technology SMEs
(revenue of a few hundred to a few tens of thousands 万元, R&D of a few percent);
``flaw`` injects a known problem so that warnings and errors appear in the mix.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from app.domain.records import sme
from app.domain.records.uscc import check_character

PREFIXES = ("星海", "辽河", "渤海", "北方", "东北", "盛京", "滨城", "金石", "长兴", "华晨", "新松",
            "远航", "恒信", "博创", "中科", "天成", "瑞祥", "鼎力", "启明", "汇智")
BUSINESSES = (
    ("智能装备", "先进制造与自动化", "工业"),
    ("软件", "电子信息", "软件和信息技术服务业"),
    ("生物医药", "生物与新医药", "工业"),
    ("新材料", "新材料", "工业"),
    ("新能源", "新能源与节能", "工业"),
    ("环保科技", "资源与环境", "工业"),
    ("检测技术", "高技术服务", "租赁和商务服务业"),
    ("电子", "电子信息", "工业"),
    ("信息技术", "电子信息", "软件和信息技术服务业"),
    ("精密仪器", "先进制造与自动化", "工业"),
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静强磊洋勇军杰娟涛明超霞"
FLAWS = ("none", "w1_high_rd", "w9_big", "s3_staff", "w16_other", "w13_name")


def uscc_for(county: str, serial: int) -> str:
    first17 = f"91{county}MA{serial:07d}"[:17]
    return first17 + check_character(first17)


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def record(rng: random.Random, county: str, serial: int, data_year: int,
           flaw: str = "none") -> dict[str, Any]:
    """One enterprise's report as a form or a spreadsheet row would carry it."""
    city_prefix = county[:4]
    trade, tech_field, sme_class = rng.choice(BUSINESSES)
    name = f"{rng.choice(PREFIXES)}{trade}{serial % 1000:03d}有限公司"
    if flaw == "w13_name":
        name = f"{rng.choice(PREFIXES)}物业管理{serial % 1000:03d}有限公司"
    employees = rng.randint(12, 280)
    rd_staff = max(1, int(employees * rng.uniform(0.08, 0.45)))
    revenue = round(rng.uniform(320, 18000), 2)
    growth = rng.uniform(0.75, 1.35)
    registered = dt.date(rng.randint(data_year - 25, data_year - 1), rng.randint(1, 12),
                         rng.randint(1, 28))
    rd_expense = round(revenue * rng.uniform(0.02, 0.09), 2)
    patents = rng.randint(0, 12)
    equity_begin = round(revenue * rng.uniform(0.2, 0.9), 2)
    values: dict[str, Any] = {
        "name": name,
        "uscc": uscc_for(county, serial),
        "registration_date": registered.isoformat(),
        "registered_capital": rng.choice((100, 200, 500, 1000, 2000, 5000)),
        "legal_representative": _person(rng),
        "region_code": county,
        "industry_code": rng.choice(("C3911", "I6513", "C2720", "C3089", "M7452", "C3493")),
        "sme_industry": sme_class,
        "tech_field": tech_field if flaw != "w16_other" else "其他",
        "scale": "小型",
        "is_private": "是",
        "qualifications": rng.choice(("", "科技型中小企业", "高新技术企业；科技型中小企业",
                                      "专精特新中小企业")),
        "contact_name": _person(rng),
        "contact_phone": f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}",
        "contact_email": f"contact{serial}@example{city_prefix}.com",
        "main_products": f"{trade}产品研发与销售",
        "rd_expense": rd_expense if flaw != "w1_high_rd" else 3500,
        "employees": employees,
        "rd_staff": rd_staff if flaw != "s3_staff" else employees + 5,
        "invention_patents": patents,
        "ip_count": patents + rng.randint(1, 30),
        "tech_contract_in": round(rng.uniform(0, 300), 2),
        "tech_contract_out": round(rng.uniform(0, 500), 2),
        "standards": rng.randint(0, 3),
        "main_revenue": round(revenue * rng.uniform(0.8, 1.0), 2),
        "revenue": revenue if flaw != "w9_big" else 12000.5,
        "revenue_prev": round(revenue / growth, 2),
        "net_profit": round(revenue * rng.uniform(0.03, 0.15), 2),
        "equity_begin": equity_begin,
        "equity_end": round(equity_begin * rng.uniform(1.0, 1.3), 2),
        "total_assets": round(revenue * rng.uniform(0.8, 2.0), 2),
        "municipal_projects": rng.randint(0, 3),
        "provincial_projects": rng.randint(0, 2),
        "needs_financing": rng.choice(("是", "否")),
    }
    if values["needs_financing"] == "是":
        values["financing_need_amount"] = rng.choice((100, 300, 500, 1000, 2000))
        values["financing_need_types"] = rng.choice(("信用贷款", "知识产权质押贷款；信用贷款"))
        values["intended_banks"] = rng.choice(("工商银行", "中国银行；建设银行", "招商银行"))
    # Declare the size the SME standard gives, so W15 fires only when meant to.
    size = sme.classify(sme_class, employees, values["revenue"], values["total_assets"])
    values["scale"] = size or "小型"
    return values
