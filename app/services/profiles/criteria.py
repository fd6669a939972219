"""Auto-tag rules and pool definitions: saved only when their expressions parse, name known
fields and divide by zero on no enterprise's latest data (the editor's checker)."""

from __future__ import annotations

import datetime as dt
import itertools

from flask import g
from sqlalchemy import select

from app.domain.expressions import ExpressionError
from app.domain.pools import DEFAULT_POOLS, MAIN, PARALLEL, Tier
from app.domain.profiles import Criterion, compile_criterion, zero_divisors
from app.extensions import db
from app.models import Pool, TagRule
from app.services.profiles import ProfileError
from app.services.profiles.gather import stream_profiles

# (name, English, expression): the examples, guarded against a zero revenue.
DEFAULT_TAGS = (
    ("研发强度≥10%", "R&D intensity ≥ 10 percent", "revenue > 0 and rd_expense / revenue >= 0.1"),
    ("三年营收复合增长≥30%", "Revenue CAGR over 3 years ≥ 30 percent",
     "growth(revenue, 3) >= 0.3"),
    ("有发明专利", "Holds invention patents", "invention_patents > 0"),
    ("高新技术企业", "High-tech enterprise", '"高新技术企业" in qualifications'),
)
CHECK_SAMPLE = 20000  # latest profiles the zero-division check reads at save


def ensure_defaults() -> dict[str, int]:
    """The default pools and tags, once (idempotent; a province's edits are kept)."""
    added = {"pools": 0, "tags": 0}
    if db.session.execute(select(Pool.id).limit(1)).first() is None:
        for position, (key, name, name_en, track, entry, leave) in enumerate(DEFAULT_POOLS):
            db.session.add(Pool(key=key, name=name, name_en=name_en, track=track,
                                position=position, entry_criterion=entry,
                                exit_criterion=leave, active=True))
            added["pools"] += 1
    if db.session.execute(select(TagRule.id).limit(1)).first() is None:
        for position, (name, name_en, text) in enumerate(DEFAULT_TAGS):
            db.session.add(TagRule(name=name, name_en=name_en, expression=text,
                                   position=position, active=True))
            added["tags"] += 1
    db.session.commit()
    return added


def check(text: str, label_zh: str, label_en: str, year: int | None = None) -> Criterion:
    """The criterion, or a refusal saying where it is wrong."""
    try:
        criterion = compile_criterion(text)
    except ExpressionError as error:
        raise ProfileError(f"{label_zh}：{error.message_zh}",
                           f"{label_en}: {error.message_en}") from None
    year = year if year is not None else latest_year()
    if year is not None and criterion.divisors:
        # Every enterprise's latest data, whatever its year: a guard must hold for all.
        profiles = (p for _, p in itertools.islice(stream_profiles(year, everyone=True),
                                                   CHECK_SAMPLE))
        hits = zero_divisors(criterion, profiles)
        if hits:
            position, count = hits[0]
            raise ProfileError(
                f"{label_zh}：第 {position} 个字符处的除数在 {count} 家企业的数据中为零。"
                "请加上条件，例如“revenue > 0 and rd_expense / revenue >= 0.1”。",
                f"{label_en}: the divisor at character {position} is zero for {count} "
                "enterprises. Guard it, e.g. “revenue > 0 and rd_expense / revenue >= 0.1”.")
    return criterion


def latest_year() -> int | None:
    """The latest data year with a record that counts in profiles."""
    from sqlalchemy import func

    from app.models import ReportingActivity, Submission
    from app.services.profiles import PROFILE_STATUSES

    return db.session.execute(select(func.max(ReportingActivity.data_year)).join(
        Submission, Submission.activity_id == ReportingActivity.id).where(
        Submission.status.in_(PROFILE_STATUSES))).scalar()


def _stamp(item) -> None:
    item.updated_at = dt.datetime.now()
    item.updated_by = getattr(getattr(g, "user", None), "username", None)


def save_tag(name: str, expression: str, name_en: str | None = None, active: bool = True,
             tag: TagRule | None = None) -> TagRule:
    name = (name or "").strip()
    if not name:
        raise ProfileError("请填写标签名称。", "Enter the tag's name.")
    check(expression, "标签条件", "Tag rule")
    clash = db.session.execute(select(TagRule).where(TagRule.name == name)).scalar()
    if clash is not None and clash is not tag:
        raise ProfileError(f"已有名为“{name}”的标签。", f"A tag named “{name}” exists already.")
    if tag is None:
        tag = TagRule(position=(db.session.query(TagRule).count()))
        db.session.add(tag)
    tag.name, tag.name_en, tag.expression, tag.active = name, name_en, expression.strip(), active
    _stamp(tag)
    db.session.commit()
    return tag


def save_pool(pool: Pool, *, entry: str, exit_: str | None, region_cap: int | None,
              name: str | None = None, name_en: str | None = None,
              active: bool | None = None) -> Pool:
    check(entry, f"{pool.name}进入条件", f"{pool.name_en or pool.name} entry criterion")
    if exit_ and exit_.strip():
        check(exit_, f"{pool.name}退出条件", f"{pool.name_en or pool.name} exit criterion")
    if region_cap is not None and region_cap < 0:
        raise ProfileError("地区名额不能为负数。", "A region's cap cannot be negative.")
    pool.entry_criterion = entry.strip()
    pool.exit_criterion = exit_.strip() if exit_ and exit_.strip() else None
    pool.region_cap = region_cap
    if name:
        pool.name = name.strip()
    if name_en is not None:
        pool.name_en = name_en.strip() or None
    if active is not None:
        pool.active = active
    _stamp(pool)
    db.session.commit()
    return pool


def tiers() -> list[Tier]:
    """The active pools as the evaluation reads them (compiled once per evaluation)."""
    pools = db.session.execute(select(Pool).where(Pool.active.is_(True)).order_by(
        Pool.position, Pool.id)).scalars()
    return [Tier(p.key, p.name, p.track if p.track in (MAIN, PARALLEL) else MAIN, p.position,
                 compile_criterion(p.entry_criterion),
                 compile_criterion(p.exit_criterion) if p.exit_criterion else None)
            for p in pools]


def active_tags() -> list[tuple[TagRule, Criterion]]:
    rules = db.session.execute(select(TagRule).where(TagRule.active.is_(True)).order_by(
        TagRule.position, TagRule.id)).scalars()
    compiled = []
    for rule in rules:
        try:
            compiled.append((rule, compile_criterion(rule.expression)))
        except ExpressionError:
            continue  # saved rules were checked; a field later removed silences the tag
    return compiled
