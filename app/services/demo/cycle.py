"""The demo data itself: users, enterprises and the demo activity's whole cycle."""

from __future__ import annotations

from app.domain.records.uscc import check_character
from app.extensions import db
from app.models import AppUser, Bank, Enterprise
from app.security import roles
from app.services.demo import history
from app.services.platform.accounts import create_user

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


DEMO_ACTIVITY = "2026年创新积分制企业信息征集"
DEMO_ENTERPRISE_COUNT = 300


def load_demo_reporting() -> dict[str, int]:
    """An open 2026 activity (data year 2025) with ~300 enterprises in varied states."""
    import datetime as dt
    import random

    from sqlalchemy import select

    from app.domain.records import synthetic
    from app.domain.regions import code_range
    from app.models import Region, ReportingActivity
    from app.services.intake import activities, reporting

    activity = db.session.query(ReportingActivity).filter_by(name=DEMO_ACTIVITY).first()
    if activity is not None:
        return {"activities": 0, "submissions": 0}
    activity = activities.create_activity(DEMO_ACTIVITY, 2025, "county", open_now=True)
    activity.collection_start = dt.date.today() - dt.timedelta(days=3)
    activity.instructions = ("请于征集截止日前完成填报。金额单位均为万元；"
                             "提交前请阅读并签署信息确认承诺书。")
    db.session.commit()
    low, high = code_range("21")
    counties = [code for (code,) in db.session.execute(
        select(Region.code).where(Region.level == "county", Region.code >= low,
                                  Region.code < high).order_by(Region.code))]
    rng = random.Random(2026)
    submitted = 0
    # enterprise_user's own enterprise starts as a draft for the demo user to complete.
    own = db.session.query(Enterprise).filter_by(uscc=demo_uscc(DEMO_COUNTY, 1)).one()
    reporting.start_submission(activity, own)
    for serial in range(1, DEMO_ENTERPRISE_COUNT + 1):
        county = DEMO_COUNTY if serial % 10 == 0 else rng.choice(counties)
        flaw = synthetic.FLAWS[serial % 12] if serial % 12 < len(synthetic.FLAWS) else "none"
        values = synthetic.record(rng, county, 1000 + serial, activity.data_year, flaw)
        enterprise = db.session.query(Enterprise).filter_by(uscc=values["uscc"]).first()
        if enterprise is None:
            enterprise = Enterprise(uscc=values["uscc"], name=values["name"], region_code=county)
            db.session.add(enterprise)
            db.session.commit()
        record = reporting.start_submission(activity, enterprise)
        if serial % 5 == 0:
            reporting.save_draft(record, values)
            continue
        try:
            reporting.submit(record, values, values["contact_name"], True)
            submitted += 1
        except reporting.ReportingError:
            pass  # records with strong errors stay drafts, as in real life
    # Targets, so the dashboard's progress has something to measure against.
    targets = {f"target-{r.code}": "25" if r.level == "city" else "4"
               for r in activities.target_regions(activity)
               if r.level == "city" or r.code.startswith(DEMO_COUNTY[:4])}
    targets[f"target-{DEMO_COUNTY}"] = "40"
    activities.set_targets(activity, targets)
    _spread_review_states(activity)
    history.load_history(activity)
    _score(activity)
    _cultivate(activity)
    return {"activities": 1, "submissions": DEMO_ENTERPRISE_COUNT, "submitted": submitted}


def _spread_review_states(activity) -> None:
    """Move the demo's submitted records along the chain so every status has examples,
    hold a few duplicates, and send one letter with its scan."""
    from flask import g

    from app.domain import workflow
    from app.domain.records import channels
    from app.models import AppUser, Submission
    from app.services.review import letters
    from app.services.review import workflow as flow

    records = db.session.query(Submission).filter_by(
        activity_id=activity.id, status=workflow.PENDING_COUNTY).order_by(Submission.id).all()
    demo = (None, "demo")
    plan = [workflow.PENDING_CITY] * 3 + [workflow.PENDING_PROVINCE] * 3 + \
        [workflow.APPROVED] * 3 + [workflow.RETURNED, workflow.REJECTED] + \
        [workflow.PENDING_COUNTY] * 5
    for index, record in enumerate(records):
        target = plan[index % len(plan)]
        if record.enterprise.uscc == demo_uscc(DEMO_COUNTY, 1):
            continue
        if target == workflow.RETURNED:
            flow.move(record, target, workflow.RETURN, "请补充研发费用明细（演示数据）", demo)
        elif target == workflow.REJECTED:
            flow.move(record, target, workflow.REJECT, "非科技型企业（演示数据）", demo)
        elif target != workflow.PENDING_COUNTY:
            flow.move(record, target, workflow.APPROVE, None, demo)
    held = [r for r in records if r.status == workflow.PENDING_COUNTY][:3]
    for record in held:
        twin = Submission(**{k: getattr(record, k) for k in
                             ("activity_id", "enterprise_id", "region_code", "name", "uscc",
                              "revenue", "employees", "rd_staff", "rd_expense")},
                          channel=channels.UPLOAD, status=workflow.DUPLICATE)
        db.session.add(twin)
        db.session.flush()
        flow.record(twin, workflow.UPLOAD, None, "区县批量推荐（演示数据）", demo)
        flow.flag_duplicate(record, "演示数据：区县重复推荐", demo)
    db.session.commit()
    g.user = db.session.query(AppUser).filter_by(username="province_admin").one()
    approved = [r.id for r in db.session.query(Submission).filter_by(
        activity_id=activity.id, status=workflow.APPROVED).limit(10)]
    if approved:
        try:
            letter = letters.generate(activity, approved)
            letters.upload_scan(letter, "盖章扫描件（演示）.pdf", b"%PDF-1.4\n% demo scan\n")
        except letters.LetterError:
            pass  # no wkhtmltopdf on this machine: the demo simply has no letter


def _cultivate(activity) -> None:
    """Pools confirmed from last year's data, and this year's proposals waiting for the
    province: the pyramid, the flows and the proposal list all show something."""
    from flask import g

    from app.models import AppUser
    from app.services.profiles import pools

    g.user = db.session.query(AppUser).filter_by(username="province_admin").one()
    pools.confirm(pools.evaluate(activity.data_year - 1))
    pools.evaluate(activity.data_year)


DEMO_DEFAULT_BANKS = ("工商银行", "建设银行")


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
    counts = {"enterprises": added_enterprises, "users": added_users}
    counts.update(load_demo_reporting())
    return counts


def _score(activity) -> None:
    """Both reference projects, and a confirmed innovation-points run on the demo activity."""
    from pathlib import Path

    from app.models import EvaluationProject
    from app.security.scope import ALL, UserScope
    from app.services import scoring

    folder = Path(__file__).resolve().parents[2] / "data" / "indicator-projects"
    for path in sorted(folder.glob("*.yaml")):
        code = path.stem
        if not db.session.query(EvaluationProject).filter_by(code=code).first():
            scoring.import_project(path.read_bytes())
    project = scoring.latest_published("innovation-points-2.0")
    run = scoring.run_scores(activity, project, scope=UserScope(ALL))
    # The demo activity is small: its cohorts are below the minimum, accepted on purpose.
    scoring.confirm(run, scope=UserScope(ALL), accept_small_cohorts=True)
    _recommend(run)


def _recommend(run) -> None:
    """A published 科技创新再贷款 list from the confirmed run, and the demo bank's outcomes:
    a loan granted, one in approval, one contacted, one declined."""
    import datetime as dt

    from flask import g

    from app.models import RecommendationEntry, ScoreResult
    from app.models import financing as F
    from app.services.finance import recommendations

    for bank in db.session.query(Bank).filter(Bank.name.in_(DEMO_DEFAULT_BANKS)):
        bank.is_default = True
    db.session.commit()
    g.user = db.session.query(AppUser).filter_by(username="province_admin").one()
    grades = sorted(g for (g,) in db.session.query(ScoreResult.grade).filter(
        ScoreResult.run_id == run.id, ScoreResult.grade.is_not(None)).distinct())[:3]
    listing = recommendations.build_list(run, "科技创新再贷款", "科技创新再贷款推荐名单（演示）",
                                         {"grades": grades, "needs_financing": True})
    recommendations.publish(listing)
    g.user = db.session.query(AppUser).filter_by(username="bank_user").one()
    entries = db.session.query(RecommendationEntry).filter_by(
        list_id=listing.id, bank_id=g.user.bank_id).order_by(RecommendationEntry.id).all()
    today = dt.date.today()
    plans = [(F.GRANTED, {"amount": 500, "rate": 3.45, "term": 12,
                          "date": today - dt.timedelta(days=10)}),
             (F.IN_APPROVAL, {}), (F.CONTACTED, {}),
             (F.DECLINED, {"reason": "抵押物不足（演示数据）"})]
    for entry, (status, details) in zip(entries, plans, strict=False):
        recommendations.record_outcome(entry, status, **details)
