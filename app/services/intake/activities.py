"""Reporting activities: creation, settings, instruction files, last year's data."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from wtforms import ValidationError

from app.domain import workflow
from app.domain.errors import BilingualError
from app.domain.records.details import TABLES as DETAIL_TABLES
from app.domain.records.fields import REGISTRY
from app.domain.records.rules import RULES_BY_ID, STRONG
from app.domain.regions import code_range
from app.extensions import db
from app.models import ActivityTarget, Enterprise, Region, ReportingActivity, Submission
from app.models.reporting import ACTIVITY_OPEN
from app.services.intake import reporting

DATE_ORDER = ("collection_start", "collection_end", "county_review_end", "city_review_end",
              "province_review_end", "submission_end", "scoring_end")
MAX_INSTRUCTION_MB = 20


class SettingsError(BilingualError):
    """Said in both languages."""


def date_order_validator(name: str):
    """Form validator: this phase may not end before an earlier one."""
    earlier = DATE_ORDER[:DATE_ORDER.index(name)]

    def validate(form, field):
        if field.data is None:
            return
        for other in reversed(earlier):
            other_field = getattr(form, other, None)
            if other_field is not None and other_field.data is not None:
                if field.data < other_field.data:
                    from flask_babel import gettext as _

                    raise ValidationError(_("This date is before %(other)s: phases follow "
                                            "one another.", other=other_field.label.text))
                return

    return validate


def create_activity(name: str, data_year: int, chain: str = workflow.CHAIN_COUNTY,
                    open_now: bool = False, collection_days: int = 14,
                    detail_tables: list[str] | None = None) -> ReportingActivity:
    if chain not in workflow.CHAINS:
        raise SettingsError(f"审核链只能是 {', '.join(workflow.CHAINS)}。",
                            f"The review chain must be one of {', '.join(workflow.CHAINS)}.")
    if not name.strip():
        raise SettingsError("请填写活动名称。", "Give the activity a name.")
    tables = _known_tables(detail_tables or [])
    today = dt.date.today()
    activity = ReportingActivity(
        name=name.strip(), data_year=data_year, review_chain=chain,
        province_code=current_app.config["PROVINCE_CODE"],
        status=ACTIVITY_OPEN if open_now else "draft",
        collection_start=today, collection_end=today + dt.timedelta(days=collection_days),
        detail_tables={key: {"required": False} for key in tables} or None)
    db.session.add(activity)
    db.session.commit()
    if open_now:
        prefill_last_year(activity)
    return activity


def prefill_last_year(activity: ReportingActivity) -> int:
    """Give every enterprise that reported last year a draft with its last data — unless it
    already has a record of this data year (here, or in another activity of the year: a
    second activity of a year does not hand everyone a second draft)."""
    previous = select(Submission.enterprise_id).join(
        ReportingActivity, Submission.activity_id == ReportingActivity.id).where(
        ReportingActivity.data_year == activity.data_year - 1,
        ReportingActivity.province_code == activity.province_code,
        Submission.status.notin_([workflow.DRAFT, workflow.REJECTED, workflow.MERGED]))
    present = select(Submission.enterprise_id).join(
        ReportingActivity, Submission.activity_id == ReportingActivity.id).where(
        ReportingActivity.data_year == activity.data_year,
        ReportingActivity.province_code == activity.province_code)
    enterprises = db.session.execute(
        select(Enterprise).where(Enterprise.id.in_(previous), Enterprise.id.notin_(present))
    ).scalars().all()
    for enterprise in enterprises:
        reporting.start_submission(activity, enterprise)
    return len(enterprises)


def target_regions(activity: ReportingActivity) -> list[Region]:
    low, high = code_range(activity.province_code)
    return list(db.session.execute(
        select(Region).where(Region.code >= low, Region.code < high,
                             Region.level.in_(("city", "county"))).order_by(Region.code)
    ).scalars())


def set_targets(activity: ReportingActivity, form) -> None:
    allowed = {r.code for r in target_regions(activity)}
    current = {t.region_code: t for t in activity.targets}
    for key, raw in form.items():
        if not key.startswith("target-"):
            continue
        code = key.removeprefix("target-")
        text = raw.strip()
        if code not in allowed:
            continue
        if text and (not text.isdigit() or len(text) > 7):
            raise SettingsError(f"地区 {code} 的目标数应为不大于 9999999 的非负整数。",
                                f"The target of region {code} must be a whole number from 0.")
        value = int(text) if text else 0
        if code in current:
            current[code].target = value
        elif value:
            activity.targets.append(ActivityTarget(region_code=code, target=value))
    db.session.commit()


def set_field_settings(activity: ReportingActivity, form) -> None:
    hidden = [k for k in form.getlist("hidden") if k in REGISTRY]
    required = [k for k in form.getlist("required") if k in REGISTRY and k not in hidden]
    locked = [REGISTRY[k].label_zh for k in hidden if REGISTRY[k].required]
    if locked:
        raise SettingsError("数据字典规定的必填字段不能隐藏：" + "、".join(locked),
                            "Fields the dictionary requires cannot be hidden.")
    activity.field_settings = {"hidden": hidden, "required": required}
    db.session.commit()


def _known_tables(keys: list[str]) -> list[str]:
    unknown = [k for k in keys if k not in DETAIL_TABLES]
    if unknown:
        known = ", ".join(DETAIL_TABLES)
        raise SettingsError(f"没有这些明细表：{'、'.join(unknown)}；可选：{known}。",
                            f"No such detail tables: {', '.join(unknown)}; known: {known}.")
    return [k for k in DETAIL_TABLES if k in keys]


def set_detail_settings(activity: ReportingActivity, form) -> None:
    """Which detail tables the activity asks for and which it requires; which fields (and
    which tables' rows, ``table:KEY``) need an evidence file."""
    asked = _known_tables(form.getlist("detail_tables"))
    required = set(form.getlist("detail_required"))
    activity.detail_tables = {k: {"required": k in required} for k in asked} or None
    evidence = [k for k in form.getlist("evidence_required")
                if k in REGISTRY or (k.startswith("table:") and k[6:] in asked)]
    activity.evidence_fields = {k: {"required": True} for k in evidence} or None
    db.session.commit()


def set_rule_settings(activity: ReportingActivity, form) -> None:
    settings = {}
    for rule_id, rule in RULES_BY_ID.items():
        own = {}
        if rule.severity != STRONG:
            own["enabled"] = form.get(f"enabled-{rule_id}") == "on"
        thresholds = {}
        for name, default in rule.thresholds.items():
            raw = (form.get(f"threshold-{rule_id}-{name}") or "").strip()
            if not raw:
                continue
            thresholds[name] = _threshold(rule_id, name, raw, default)
        if thresholds:
            own["thresholds"] = thresholds
        settings[rule_id] = own
    activity.rule_settings = settings
    db.session.commit()


def set_points_settings(activity: ReportingActivity, form) -> None:
    """Whether enterprises see our confirmed provincial points beside the Ministry's
    confirmed national ones (SPEC §12.5); the national ones are always shown."""
    activity.show_provincial_points = form.get("show_provincial_points") == "on"
    db.session.commit()


def _threshold(rule_id: str, name: str, raw: str, default):
    if isinstance(default, (tuple, list)):
        items = [p.strip() for p in raw.replace("，", ",").replace("；", ",").split(",")]
        return [p for p in items if p]
    if isinstance(default, str):
        return raw
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"规则 {rule_id} 的阈值“{raw}”不是数字。",
                            f"Threshold “{raw}” of rule {rule_id} is not a number.") from None
    if value < 0:
        raise SettingsError(f"规则 {rule_id} 的阈值不能为负数。",
                            f"Threshold of rule {rule_id} cannot be negative.")
    return int(value) if value.is_integer() else value


def store_instruction_file(activity: ReportingActivity, upload) -> None:
    """Keep the activity's instruction PDF; checked by content, not by name."""
    if upload is None or not upload.filename:
        raise SettingsError("请选择要上传的 PDF 文件。", "Choose a PDF file to upload.")
    data = upload.read(MAX_INSTRUCTION_MB * 1024 * 1024 + 1)
    if len(data) > MAX_INSTRUCTION_MB * 1024 * 1024:
        raise SettingsError(f"文件超过 {MAX_INSTRUCTION_MB} MB。",
                            f"The file is larger than {MAX_INSTRUCTION_MB} MB.")
    if not data.startswith(b"%PDF-"):
        raise SettingsError("只能上传 PDF 文件（该文件内容不是 PDF）。",
                            "Only PDF files can be uploaded (this file is not a PDF).")
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "instructions"
    folder.mkdir(parents=True, exist_ok=True)
    stored = f"{uuid.uuid4().hex}.pdf"
    (folder / stored).write_bytes(data)
    old = instruction_path(activity)
    activity.instruction_file = stored
    activity.instruction_filename = os.path.basename(upload.filename)[:255]
    db.session.commit()
    if old is not None:
        old.unlink(missing_ok=True)


def instruction_path(activity: ReportingActivity) -> Path | None:
    if not activity.instruction_file:
        return None
    path = Path(current_app.config["UPLOAD_FOLDER"]) / "instructions" / activity.instruction_file
    return path if path.is_file() else None


