"""Three earlier data years for every enterprise of the demo activity (SPEC §12.4), so that
profiles show four years, growth tags hold for some, and a pool evaluation proposes real
entries on a fresh install. The earlier activities are archived; their records approved."""

from __future__ import annotations

import random

from sqlalchemy import select

from app.domain import workflow
from app.domain.profiles import NUMERIC_FIELDS
from app.domain.records.fields import REGISTRY
from app.extensions import db
from app.models import ReportingActivity, Submission
from app.models.reporting import ACTIVITY_ARCHIVED
from app.services.intake import activities

YEARS_BACK = 3
# Counts move by whole items and never below zero; money and staff scale with growth.
_COUNTS = {"invention_patents", "ip_count", "standards", "municipal_projects",
           "provincial_projects", "municipal_awards", "provincial_awards",
           "innovation_platforms", "high_level_talents"}
_COPIED = ("name", "uscc", "region_code", "registration_date", "registered_capital",
           "legal_representative", "address", "industry_code", "sme_industry", "tech_field",
           "scale", "is_private", "qualifications", "is_listed", "has_party_org",
           "rd_institution_level", "contact_name", "contact_phone", "contact_email",
           "main_products", "core_technology", "tech_source", "needs_financing")


def _activity_for(year: int) -> ReportingActivity:
    name = f"{year + 1}年创新积分制企业信息征集"
    found = db.session.execute(select(ReportingActivity).where(
        ReportingActivity.name == name)).scalar()
    if found is None:
        found = activities.create_activity(name, year, "county", open_now=False)
        found.status = ACTIVITY_ARCHIVED
        db.session.commit()
    return found


def _earlier(values: dict, growth: float, back: int, rng: random.Random) -> dict:
    factor = (1 + growth) ** back
    earlier = {key: values.get(key) for key in _COPIED}
    for key in NUMERIC_FIELDS:
        value = values.get(key)
        if value is None:
            continue
        if key in _COUNTS:
            earlier[key] = max(0, int(value) - rng.randint(0, back))
        elif isinstance(value, int):
            earlier[key] = max(0, round(value / factor))
        else:
            earlier[key] = round(value / factor, 2)
    return earlier


def _invented(record: Submission, activity: ReportingActivity, rng: random.Random) -> dict:
    """Generated figures for an enterprise that has typed none yet, read as the form would."""
    from app.domain.records import synthetic
    from app.domain.records.normalize import Normalizer
    from app.services.intake import reporting

    raw = synthetic.record(rng, record.region_code or "210202", record.enterprise_id,
                           activity.data_year)
    normalizer = Normalizer(reporting.lookups_for(activity.province_code))
    values = {}
    for key in NUMERIC_FIELDS + _COPIED:
        if key in raw:
            value, problem, _note = normalizer.value(REGISTRY[key], raw[key])
            if problem is None and value is not None:
                values[key] = value
    values.update(uscc=record.uscc, name=record.name)
    return values


def load_history(activity: ReportingActivity) -> int:
    """Approved records of the three data years before ``activity``'s (idempotent)."""
    rng = random.Random(activity.data_year)
    earlier = {year: _activity_for(year)
               for year in range(activity.data_year - YEARS_BACK, activity.data_year)}
    if db.session.execute(select(Submission.id).where(
            Submission.activity_id == earlier[activity.data_year - 1].id).limit(1)).first():
        return 0
    added = 0
    records = db.session.execute(select(Submission).where(
        Submission.activity_id == activity.id, Submission.status != workflow.DUPLICATE).order_by(
        Submission.id)).scalars().all()
    for record in records:
        values = {key: getattr(record, key) for key in NUMERIC_FIELDS + _COPIED}
        if values.get("revenue") is None:  # an empty draft (the demo user's own): invent one
            values = _invented(record, activity, rng) | {
                k: v for k, v in values.items() if v not in (None, "", [])}
        growth = rng.choice((-0.05, 0.05, 0.12, 0.2, 0.35, 0.5))
        for year, past in earlier.items():
            back = activity.data_year - year
            row = _earlier(values, growth, back, rng)
            if back == 1 and values.get("revenue_prev") is not None:
                row["revenue"] = values["revenue_prev"]  # what the enterprise said last year
            db.session.add(Submission(activity_id=past.id, enterprise_id=record.enterprise_id,
                                      status=workflow.APPROVED, channel="self", **row))
            added += 1
    db.session.commit()
    return added
