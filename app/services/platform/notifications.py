"""The bell: in-platform messages (and e-mail when SMTP is configured)."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import func, select

from app.domain import workflow
from app.extensions import db
from app.models import AppUser, Notification, ReportingActivity, Submission
from app.security import roles
from app.services.platform.bulk import among

log = logging.getLogger(__name__)

MESSAGES = {
    workflow.RETURN: ("您的填报“{activity}”已被退回修改：{reason}",
                      "Your report “{activity}” was returned for correction: {reason}"),
    workflow.REJECT: ("您的填报“{activity}”未予通过：{reason}",
                      "Your report “{activity}” was rejected: {reason}"),
    workflow.APPROVE: ("您的填报“{activity}”已通过{level}审核。",
                       "Your report “{activity}” passed the {level_en} review."),
    workflow.NATIONAL_RETURN: ("您的填报“{activity}”被国家系统退回，请修改后重新提交：{reason}",
                               "The Ministry returned your report “{activity}”: correct it and "
                               "submit it again. {reason}"),
}
LEVEL_NAMES = {"county": ("区县级", "county"), "city": ("市级", "city"),
               "province": ("省级", "provincial")}


def notify(user_ids: list[int], zh: str, en: str, link: str | None = None) -> None:
    db.session.add_all(Notification(user_id=i, text_zh=zh[:500], text_en=en[:500], link=link)
                       for i in set(user_ids))
    if current_app.config.get("MAIL_SERVER"):
        _email(user_ids, zh, en)


def after_review(submission: Submission, action: str, reason: str,
                 accounts: dict[int, list[int]] | None = None) -> None:
    """Tell the enterprise (or the uploading bureau) what the review did. ``accounts``
    (enterprise id -> its active users, from ``accounts_of``) saves a query per record when
    many records are told at once."""
    if action not in MESSAGES:
        return
    if accounts is None:
        accounts = accounts_of([submission.enterprise_id])
    users = accounts.get(submission.enterprise_id, [])
    zh, en = MESSAGES[action]
    level = workflow.level_of_status(submission.reviews[-1].from_status or "") or "province"
    params = {"activity": submission.activity.name, "reason": reason,
              "level": LEVEL_NAMES[level][0], "level_en": LEVEL_NAMES[level][1]}
    # Plain paths: notifications are also made outside requests (jobs, commands).
    link = f"/portal/activity/{submission.activity_id}"
    users = list(users)
    if not users and submission.created_by_id:
        # An uploaded record of an enterprise without an account goes back to its uploader.
        users, link = [submission.created_by_id], f"/review/show/{submission.id}"
    notify(users, zh.format(**params), en.format(**params), link)
    if submission.status in workflow.LEVEL_OF_STATUS:
        new_in_queue([submission])


def accounts_of(enterprise_ids) -> dict[int, list[int]]:
    """Enterprise id -> ids of its active users, in a few queries."""
    ids = list(set(enterprise_ids))
    found: dict[int, list[int]] = {}
    for start in range(0, len(ids), 5000):
        for user_id, enterprise_id in db.session.execute(select(AppUser.id, AppUser.enterprise_id)
                                                         .where(AppUser.enterprise_id.in_(
                                                             ids[start:start + 5000]),
                                                             AppUser.active.is_(True))):
            found.setdefault(enterprise_id, []).append(user_id)
    return found


def new_in_queue(records) -> None:
    """Tell the reviewers of the next level that records wait for them.
    ``records`` are submissions or (status, county code) pairs."""
    waiting: dict[tuple[str, str], int] = {}
    for record in records:
        status, county = (record if isinstance(record, tuple)
                          else (record.status, record.region_code))
        level = workflow.level_of_status(status)
        if level is None or not county:
            continue
        code = {"county": county, "city": county[:4], "province": county[:2]}[level]
        waiting[(level, code)] = waiting.get((level, code), 0) + 1
    by_reviewers: dict[int, int] = {}
    for (level, code), count in waiting.items():
        role = {"county": roles.COUNTY_REVIEWER, "city": roles.CITY_REVIEWER,
                "province": roles.PROVINCE_ADMIN}[level]
        for user in db.session.execute(select(AppUser).where(
                AppUser.region_code == code, AppUser.active.is_(True))).scalars():
            if any(r.name == role for r in user.roles):
                by_reviewers[user.id] = by_reviewers.get(user.id, 0) + count
    for user_id, count in by_reviewers.items():
        notify([user_id], f"有 {count} 条新记录等待您审核。",
               f"{count} new records await your review.", "/review/list/")


EVIDENCE_MISSING = ("请补充佐证材料：您的填报“{activity}”还缺少 {n} 项必需的佐证材料。",
                    "Please add evidence files: your report “{activity}” still lacks {n} "
                    "required files.")
EVIDENCE_MISSING_UPLOADED = ("请补充佐证材料：您上传的 {n} 条记录还缺少必需的佐证材料。",
                             "Please add evidence files: {n} records you uploaded still lack "
                             "required files.")


def evidence_missing(lacking) -> int:
    """请补充佐证材料. ``lacking`` holds (record, how many required files it lacks) pairs; a
    record needs ``id``, ``activity_id``, ``enterprise_id`` and ``created_by_id`` (see
    ``services/review/missing_files.notify``, which counts them). The enterprise's users
    are told per record, with a link to its form; records whose enterprise has no account
    are their uploader's to complete, who is told once how many. A message its user has
    not read yet is not sent again. Returns the messages written; the caller commits."""
    lacking = [(record, n) for record, n in lacking if n]
    if not lacking:
        return 0
    activity_ids = {record.activity_id for record, _n in lacking}
    names = dict(db.session.execute(select(ReportingActivity.id, ReportingActivity.name)
                                    .where(ReportingActivity.id.in_(activity_ids))).all())
    users: dict[int, list[int]] = {}
    for condition in among(AppUser.enterprise_id,
                           list({r.enterprise_id for r, _n in lacking if r.enterprise_id})):
        for user_id, enterprise_id in db.session.execute(select(
                AppUser.id, AppUser.enterprise_id).where(condition, AppUser.active.is_(True))):
            users.setdefault(enterprise_id, []).append(user_id)
    messages: list[tuple[int, str, str, str]] = []
    uploaded: dict[int, int] = {}
    for record, n in lacking:
        told = users.get(record.enterprise_id)
        if told:
            params = {"activity": names.get(record.activity_id, ""), "n": n}
            messages += [(user_id, EVIDENCE_MISSING[0].format(**params),
                          EVIDENCE_MISSING[1].format(**params),
                          f"/portal/activity/{record.activity_id}") for user_id in told]
        elif record.created_by_id:
            uploaded[record.created_by_id] = uploaded.get(record.created_by_id, 0) + 1
    messages += [(user_id, EVIDENCE_MISSING_UPLOADED[0].format(n=n),
                  EVIDENCE_MISSING_UPLOADED[1].format(n=n), "/submissionview/list/")
                 for user_id, n in uploaded.items()]
    unread: set[tuple[int, str, str | None]] = set()
    for condition in among(Notification.user_id, list({m[0] for m in messages})):
        unread |= set(db.session.execute(select(
            Notification.user_id, Notification.text_zh, Notification.link).where(
            condition, Notification.read_at.is_(None),
            Notification.text_zh.startswith("请补充佐证材料"))).all())
    written = 0
    for user_id, zh, en, link in dict.fromkeys(messages):
        if (user_id, zh[:500], link) not in unread:
            notify([user_id], zh, en, link)
            written += 1
    return written


def unread_count(user_id: int) -> int:
    return db.session.execute(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))).scalar_one()


def _email(user_ids: list[int], zh: str, en: str) -> None:
    """Best effort: a mail server that is down must not stop a review."""
    addresses = [e for (e,) in db.session.execute(select(AppUser.email).where(
        AppUser.id.in_(user_ids))) if e and not e.endswith(".invalid")]
    send_email(addresses, zh, en)


def send_email(addresses: list[str], zh: str, en: str) -> None:
    """The platform's one SMTP path, in both languages; best effort (a failure is logged)."""
    config = current_app.config
    if not addresses or not config.get("MAIL_SERVER"):
        return
    message = EmailMessage()
    message["Subject"] = "创新积分管理平台通知"
    message["From"] = config.get("MAIL_DEFAULT_SENDER", "noreply@localhost")
    message["To"] = ", ".join(addresses)
    message.set_content(f"{zh}\n\n{en}")
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT", 25)),
                          timeout=5) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("notification e-mail not sent: %s", error)
