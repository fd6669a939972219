"""Reporting activities and self-reporting: each function validates, acts and commits once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import or_, select

from app.domain import workflow
from app.domain.errors import BilingualError
from app.domain.records import channels
from app.domain.records.details import TABLES
from app.domain.records.fields import REGISTRY
from app.domain.records.normalize import Lookups
from app.domain.records.similarity import equal_figures
from app.domain.records.validation import Result, Validator
from app.extensions import db
from app.models import (
    Bank,
    Enterprise,
    Region,
    Registration,
    ReportingActivity,
    Submission,
)
from app.models.reporting import ACTIVITY_OPEN
from app.services.evidence import attachments
from app.services.intake import details
from app.services.platform import audit, notifications
from app.services.review import workflow as workflow_service

# Where a field's value came from (Submission.provenance); a batch's or API's rows carry
# their channel's name.
ENTERPRISE, LAST_YEAR, THIRD_PARTY = "enterprise", "last_year", "third_party"
UPLOAD, API = channels.UPLOAD, channels.API

COMMITMENT_ZH = (
    "本企业承诺：所填报的信息真实、准确、完整，与企业财务报表、纳税申报等资料一致；"
    "同意科技主管部门依法核查，并将上述信息用于创新积分评价及金融服务对接。"
    "如有虚假，愿承担相应责任。"
)
COMMITMENT_EN = (
    "The enterprise declares that the information reported is true, accurate and complete and "
    "agrees with its financial statements and tax returns; it agrees that the science "
    "authorities may verify it and use it for innovation-points evaluation and financing "
    "services, and accepts responsibility for any false statement."
)


class ReportingError(BilingualError):
    """Said in both languages."""


def lookups_for(province_code: str) -> Lookups:
    counties = db.session.execute(
        select(Region.code, Region.name, Region.full_name, Region.parent_code)
        .where(Region.level == "county", Region.code.like(f"{province_code}%"))
    ).all()
    cities = dict(db.session.execute(
        select(Region.code, Region.name).where(Region.level == "city")).all())
    names: dict[str, str] = {}
    for code, name, full_name, city in counties:
        names[full_name] = code  # 辽宁省大连市中山区
        names[cities.get(city, "") + name] = code  # 大连市中山区
    banks = frozenset(name for (name,) in db.session.execute(select(Bank.name)))
    return Lookups(province_code=province_code, county_names=names,
                   county_codes=frozenset(c[0] for c in counties), bank_names=banks)


def validator_for(activity: ReportingActivity) -> Validator:
    hidden = activity.hidden_fields()
    return Validator(
        activity.data_year,
        lookups_for(activity.province_code),
        activity.rule_settings,
        shown=[k for k in REGISTRY.keys() if k not in hidden],
        required=activity.extra_required() - hidden,
    )


def derived_values(submission: Submission, values: dict[str, Any]) -> dict[str, Any]:
    """W19 and W20 need other records: last year's report and this activity's others."""
    activity = submission.activity
    last = db.session.execute(
        select(Submission.revenue)
        .join(ReportingActivity, Submission.activity_id == ReportingActivity.id)
        .where(Submission.enterprise_id == submission.enterprise_id,
               ReportingActivity.data_year == activity.data_year - 1,
               Submission.status.notin_([workflow.DRAFT, workflow.REJECTED, workflow.MERGED]))
        .order_by(Submission.id.desc()).limit(1)
    ).scalar_one_or_none()
    anchors = [getattr(Submission, k) == values[k]
               for k in ("revenue", "rd_expense", "total_assets") if values.get(k)]
    similar = 0
    if anchors:
        numeric = REGISTRY.numeric_keys()
        others = db.session.execute(
            select(*[getattr(Submission, k) for k in numeric])
            .where(Submission.activity_id == activity.id, Submission.id != submission.id,
                   Submission.enterprise_id != submission.enterprise_id, or_(*anchors))
            .limit(200)
        ).all()
        for row in others:
            similar = max(similar, equal_figures(values, dict(zip(numeric, row, strict=True))))
    return {"last_year_revenue": last, "similar_figures": similar,
            "revoked_registration": bool(revoked_usccs(activity, [values.get("uscc")]))}


def revoked_usccs(activity: ReportingActivity, usccs: list) -> set[str]:
    """Enterprises whose registration was revoked for this data year and not lifted: their
    records fail strong rule S9 (SPEC §12.3)."""
    wanted = sorted({u for u in usccs if u})
    if not wanted:
        return set()
    return set(db.session.execute(select(Registration.uscc).where(
        Registration.uscc.in_(wanted), Registration.data_year == activity.data_year,
        Registration.status == "revoked", Registration.bar_lifted.is_(False))).scalars())


def check(submission: Submission, raw: dict[str, Any],
          rows: dict[str, list] | None = None) -> Result:
    """The record's values and findings. Where the activity asks for detail tables, the
    counts they derive replace the typed ones and the rows are checked too; ``rows`` are
    the rows as typed now (else the stored ones), kept on the result as ``details``."""
    activity = submission.activity
    asked = activity.asked_tables()
    kept_rows = None
    if asked:
        kept_rows = details.clean(asked, rows if rows is not None else submission.details)
        raw = {**raw, **details.derived(asked, kept_rows)}
    validator = validator_for(activity)
    values, findings, notes, unusable = validator.normalize(raw)
    findings += validator.run_rules(values, unusable, derived_values(submission, values))
    if asked:
        findings += details.findings(asked, kept_rows, activity.data_year,
                                     activity.required_tables())
    result = Result(values, findings, notes)
    result.details = kept_rows
    return result


def findings_json(result: Result) -> list[dict]:
    return [{"rule": f.rule, "severity": f.severity, "fields": list(f.fields),
             "zh": f.message_zh, "en": f.message_en,
             **({"table": f.table, "row": f.row, "column": f.column}
                if isinstance(f, details.DetailFinding) else {})} for f in result.findings]


def _apply(submission: Submission, raw: dict[str, Any], result: Result, source: str) -> None:
    """Store what could be read; keep what could not, so nothing typed is lost."""
    provenance = dict(submission.provenance or {})
    kept = {}
    unreadable = {f for finding in result.errors if finding.rule.startswith("F:")
                  for f in finding.fields}
    for key, value in result.values.items():
        if key in unreadable and raw.get(key) not in (None, ""):
            kept[key] = str(raw.get(key))
            continue
        if getattr(submission, key) != value:
            setattr(submission, key, value)
            provenance[key] = source
    rows = getattr(result, "details", None)
    if rows is not None:
        for key in details.derived(list(rows), rows):
            provenance[key] = details.DETAILS  # 由明细计算
        changes = details.row_changes(submission.details, rows)
        if changes:
            submission.details = rows
            # A removed row's files go with it, in this transaction; the stored bytes are
            # then orphans that `flask attachments cleanup` removes.
            attachments.forget_rows(submission.id, [(c["table"], c["uid"]) for c in changes
                                                    if c["change"] == "removed"])
            audit.record(audit.UPDATE, object_type="Submission", object_id=str(submission.id),
                         object_repr=submission.name, detail=_changes_text(changes))
    if submission.region_code is None and submission.enterprise is not None:
        submission.region_code = submission.enterprise.region_code
    submission.provenance = provenance
    submission.draft_inputs = kept or None
    submission.findings = findings_json(result)
    submission.error_count = len(result.errors)
    submission.warning_count = len(result.warnings)
    submission.warning_rules = " ".join(sorted({f.rule for f in result.warnings})) or None


def _changes_text(changes: list[dict]) -> str:
    """明细变更：知识产权明细 新增 1 行、修改 1 行、删除 0 行 … for the audit log."""
    parts = []
    for key in dict.fromkeys(c["table"] for c in changes):
        mine = [c["change"] for c in changes if c["table"] == key]
        parts.append(f"{TABLES[key].sheet_zh}：新增 {mine.count('added')} 行，"
                     f"修改 {mine.count('changed')} 行，删除 {mine.count('removed')} 行")
    return "明细变更：" + "；".join(parts)


def start_submission(activity: ReportingActivity, enterprise: Enterprise,
                     commit: bool = True) -> Submission:
    """The enterprise's own record in the activity, created (with last year's data) at first.
    ``commit=False`` lets a larger operation (a file of many rows) commit once."""
    existing = db.session.execute(
        select(Submission).where(Submission.activity_id == activity.id,
                                 Submission.enterprise_id == enterprise.id,
                                 Submission.channel == channels.SELF)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    submission = Submission(activity=activity, enterprise=enterprise, channel=channels.SELF,
                            status=workflow.DRAFT, uscc=enterprise.uscc, name=enterprise.name,
                            region_code=enterprise.region_code,
                            provenance={"uscc": ENTERPRISE, "name": ENTERPRISE})
    _carry_forward(submission, enterprise)
    db.session.add(submission)
    db.session.flush()
    workflow_service.record(submission, workflow.CREATE, None)
    if commit:
        db.session.commit()
    return submission


def _carry_forward(submission: Submission, enterprise: Enterprise) -> None:
    """Last year's data as a starting point: its revenue becomes the previous year's."""
    last = db.session.execute(
        select(Submission)
        .join(ReportingActivity, Submission.activity_id == ReportingActivity.id)
        .where(Submission.enterprise_id == enterprise.id,
               ReportingActivity.data_year == submission.activity.data_year - 1,
               Submission.status.notin_([workflow.DRAFT, workflow.REJECTED, workflow.MERGED]))
        .order_by(Submission.id.desc()).limit(1)
    ).scalar_one_or_none()
    if last is None:
        return
    provenance = dict(submission.provenance or {})
    for key in REGISTRY.keys():
        value = getattr(last, key)
        if key == "revenue_prev":
            value = last.revenue
        elif key == "revenue":
            continue
        if value not in (None, "", []):
            setattr(submission, key, value)
            provenance[key] = LAST_YEAR
    submission.provenance = provenance


def save_draft(submission: Submission, raw: dict[str, Any],
               rows: dict[str, list] | None = None) -> Result:
    """Keep what was typed; ``rows`` are the detail rows as typed (None: keep the stored)."""
    _editable(submission)
    result = check(submission, raw, rows)
    _apply(submission, raw, result, ENTERPRISE)
    db.session.commit()
    return result


def submit(submission: Submission, raw: dict[str, Any], signed_name: str, agreed: bool,
           today: dt.date | None = None, rows: dict[str, list] | None = None) -> Result:
    """Sign the commitment and send the record to the first review level. Refused while
    errors remain or a required evidence file (佐证材料) is missing."""
    _editable(submission)
    activity = submission.activity
    today = today or dt.date.today()
    if not activity.collecting(today) and not _reopened_for(submission, today):
        raise ReportingError("本活动的填报时间已结束或尚未开始，暂不能提交。"
                             "如需补报，请联系省级管理员。",
                             "Collection for this activity is closed or has not started; "
                             "ask the province administrator if you need to report late.")
    result = check(submission, raw, rows)
    _apply(submission, raw, result, ENTERPRISE)
    if result.errors:
        db.session.commit()  # the draft is kept; only the submission is refused
        raise ReportingError("存在必须修改的错误，请按提示修改后再提交。",
                             "There are errors to correct before you can submit.")
    lacking = missing_evidence(submission)
    if lacking:
        db.session.commit()
        raise ReportingError(
            "请先上传必需的佐证材料：" + "；".join(m["zh"] for m in lacking) + "。",
            "Upload the required evidence files first: "
            + "; ".join(m["en"] for m in lacking) + ".")
    name = (signed_name or "").strip()
    if not agreed or not name:
        db.session.commit()
        raise ReportingError("请阅读并勾选《信息确认承诺书》，并填写签署人姓名。",
                             "Read and tick the commitment and type the signer's name.")
    workflow_service.submit(submission, activity.review_chain)
    # The enterprise keeps the latest known master data.
    enterprise = submission.enterprise
    if submission.name:
        enterprise.name = submission.name
    if submission.region_code:
        enterprise.region_code = submission.region_code
    submission.signed_name = name[:100]
    submission.signed_at = dt.datetime.now()
    submission.signed_ip = request.remote_addr if has_request_context() else None
    submission.commitment_text = COMMITMENT_ZH
    submission.submitted_at = submission.signed_at
    notifications.new_in_queue([submission])
    db.session.commit()
    return result


def missing_evidence(submission: Submission) -> list[dict]:
    """The required evidence files (SPEC §12.2) still missing, named in both languages:
    [{"key": "rd_expense" | "ip:UID", "zh": "研发费用…", "en": "…"}]."""
    found = []
    for key in attachments.missing(submission):
        if key in REGISTRY:
            field = REGISTRY[key]
            found.append({"key": key, "zh": field.label("zh"), "en": field.label("en")})
            continue
        table, uid = key.split(":", 1)
        rows = (submission.details or {}).get(table) or []
        place = next((n for n, row in enumerate(rows, 1) if row.get("uid") == uid), 0)
        found.append({"key": key, "zh": f"{TABLES[table].sheet_zh}第 {place} 行",
                      "en": f"{TABLES[table].sheet_en}, row {place}"})
    return found


def _editable(submission: Submission) -> None:
    if submission.status not in workflow.EDITABLE_BY_ENTERPRISE:
        raise ReportingError("已提交的记录不能修改；如需修改，请等待审核退回。",
                             "A submitted record cannot be changed until it is returned.")


def _reopened_for(submission: Submission, today: dt.date | None = None) -> bool:
    """The province reopened collection for this enterprise until a date."""
    from app.models import Reopening

    today = today or dt.date.today()
    return db.session.execute(select(Reopening.id).where(
        Reopening.activity_id == submission.activity_id,
        Reopening.enterprise_id == submission.enterprise_id,
        Reopening.until >= today)).first() is not None


def open_activities(today: dt.date | None = None) -> list[ReportingActivity]:
    province = current_app.config["PROVINCE_CODE"]
    return list(db.session.execute(
        select(ReportingActivity).where(ReportingActivity.status == ACTIVITY_OPEN,
                                        ReportingActivity.province_code == province)
        .order_by(ReportingActivity.id.desc())
    ).scalars())
