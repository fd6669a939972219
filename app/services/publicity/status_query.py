"""An enterprise reads its own status on the public portal (SPEC §12.3) with its USCC and a
one-time code sent to a contact the platform already holds: the e-mail of one of its user
accounts, or the mobile number of its latest record. A code is six digits, kept only as an
HMAC keyed with the secret key, valid ten minutes and five tries; the newest code of a USCC
is the only one that counts. Requests are throttled per USCC and per client address, counted
in the database so that every process agrees.

Nothing here says whether a USCC is known beyond what the portal already shows: an unknown
USCC and one without a contact get the same answer, and the throttles are counted before
anything is looked up."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import urllib.request
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select

from app.domain import workflow
from app.domain.publicity import PublicityError
from app.domain.records.uscc import is_well_formed
from app.extensions import db
from app.models import (
    Anomaly,
    AppUser,
    Enterprise,
    Registration,
    ReportingActivity,
    ReviewRecord,
    ScoreResult,
    Submission,
)
from app.models.status_codes import CHANNELS, EMAIL, SMS, StatusQueryCode
from app.services.platform import audit, notifications
from app.services.publicity.registrations import certificate_pdf
from app.services.scoring import CONFIRMED

log = logging.getLogger(__name__)

CODE_MINUTES = 10
MAX_ATTEMPTS = 5
PER_USCC_HOUR = 3
PER_ADDRESS_HOUR = 10


class StatusQueryError(PublicityError):
    """Why no code was sent or no certificate is given, in both languages."""


def _no_contact() -> StatusQueryError:
    return StatusQueryError(
        "无法通过所选方式发送验证码：平台没有该统一社会信用代码的相应联系方式。请换一种接收方式、"
        "登录平台查看，或联系企业所在区县科技局。",
        "No code can be sent this way for this unified social credit code: the platform holds "
        "no such contact for it. Try the other way, sign in to see your status, or ask the "
        "science bureau of your county.")


@dataclass(frozen=True)
class Sent:
    channel: str
    masked: str
    expires_at: dt.datetime


@dataclass
class ActivityStatus:
    activity: str
    data_year: int
    status: str
    status_zh: str
    status_en: str
    reason: str | None = None  # why it was returned or rejected
    total: float | None = None  # the confirmed score
    grade: str | None = None
    registration: Registration | None = None


@dataclass
class OwnStatus:
    uscc: str
    name: str | None
    activities: list[ActivityStatus] = field(default_factory=list)
    registrations: list[Registration] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)


def normalise(uscc: str | None) -> str:
    return (uscc or "").strip().upper()[:18]


def request_code(uscc: str, channel: str, address: str | None, *,
                 now: dt.datetime | None = None) -> Sent:
    """Send a code to the enterprise's contact on ``channel`` (``email`` or ``sms``) and say
    where it went, masked; refused when throttled or when there is nowhere to send it."""
    uscc, now = normalise(uscc), now or dt.datetime.now()
    if not is_well_formed(uscc):
        raise StatusQueryError("请输入 18 位统一社会信用代码。",
                               "Enter the 18-character unified social credit code.")
    if channel not in CHANNELS:
        raise StatusQueryError("请选择通过短信还是电子邮件接收验证码。",
                               "Choose whether the code comes by SMS or by e-mail.")
    if channel == EMAIL and not current_app.config.get("MAIL_SERVER"):
        raise StatusQueryError("本平台未开通邮件发送，请选择短信接收验证码，或登录平台查看。",
                               "This platform sends no e-mail: choose SMS, or sign in.")
    _throttle(uscc, address, now)
    row = StatusQueryCode(uscc=uscc, channel=channel, requested_by=address, created_at=now,
                          expires_at=now + dt.timedelta(minutes=CODE_MINUTES), attempts=0)
    db.session.add(row)
    destination = _destination(uscc, channel)
    if destination is None:
        # Kept (dead, nothing sent) so that probing USCCs counts against the throttles.
        row.attempts = MAX_ATTEMPTS
        db.session.commit()
        raise _no_contact()
    to, user_id = destination
    code = f"{secrets.randbelow(10 ** 6):06d}"
    row.code_hash, row.sent_to_masked = code_hash(uscc, code), mask(to, channel)
    db.session.flush()
    try:
        _send(channel, to, user_id, code, row.sent_to_masked)
    except OSError as error:
        db.session.rollback()
        log.warning("status query code not sent by %s: %s", channel, error)
        raise StatusQueryError("验证码暂时无法发送，请稍后再试，或登录平台查看。",
                               "The code could not be sent now: try again later, or sign "
                               "in.") from error
    db.session.commit()
    return Sent(channel, row.sent_to_masked, row.expires_at)


def verify_code(uscc: str, code: str, *, now: dt.datetime | None = None) -> str | None:
    """The USCC when ``code`` is its newest code, unused, unexpired and within its tries
    (then spent); None otherwise, the try counted. Either way the outcome is audited."""
    uscc, now, code = normalise(uscc), now or dt.datetime.now(), (code or "").strip()
    row = db.session.execute(select(StatusQueryCode).where(
        StatusQueryCode.uscc == uscc, StatusQueryCode.code_hash.is_not(None)).order_by(
        StatusQueryCode.id.desc()).limit(1)).scalar_one_or_none()
    live = (row is not None and row.used_at is None and row.attempts < MAX_ATTEMPTS
            and now <= row.expires_at)
    if live:
        row.attempts += 1
        matched = hmac.compare_digest(row.code_hash, code_hash(uscc, code))
        if matched:
            row.used_at = now
    else:
        matched = False
    audit.record(audit.LOGIN if matched else audit.LOGIN_FAILED,
                 object_type="StatusQueryCode", object_id=str(row.id) if row else None,
                 object_repr=uscc, detail="portal status query: " + (
                     "code accepted" if matched else "wrong code" if live
                     else "no live code"))
    db.session.commit()
    return uscc if matched else None


def code_hash(uscc: str, code: str) -> str:
    """Keyed, and bound to the USCC: a code sent for one enterprise opens no other."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"{uscc}:{code}".encode(), hashlib.sha256).hexdigest()


def mask(to: str, channel: str) -> str:
    """What such portals show of a destination: zh***@example.com, 138****5678."""
    if channel == SMS:
        digits = "".join(c for c in to if c.isdigit())
        return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 7 else "****"
    local, _at, domain = to.partition("@")
    return f"{local[:2] if len(local) > 2 else local[:1]}***@{domain}"


def _throttle(uscc: str, address: str | None, now: dt.datetime) -> None:
    since = now - dt.timedelta(hours=1)

    def count(*where) -> int:
        return db.session.execute(select(func.count()).select_from(StatusQueryCode).where(
            StatusQueryCode.created_at > since, StatusQueryCode.created_at <= now,
            *where)).scalar()

    if count(StatusQueryCode.uscc == uscc) >= PER_USCC_HOUR:
        raise StatusQueryError(
            f"同一统一社会信用代码一小时内最多获取 {PER_USCC_HOUR} 次验证码，请稍后再试，"
            "或使用已收到的最新验证码。",
            f"At most {PER_USCC_HOUR} codes an hour are sent for one unified social credit "
            "code: use the latest code you received, or try again later.")
    if address and count(StatusQueryCode.requested_by == address) >= PER_ADDRESS_HOUR:
        raise StatusQueryError(
            f"同一网络地址一小时内最多获取 {PER_ADDRESS_HOUR} 次验证码，请稍后再试。",
            f"At most {PER_ADDRESS_HOUR} codes an hour are sent to one network address: try "
            "again later.")


def _destination(uscc: str, channel: str) -> tuple[str, int | None] | None:
    """(where to send, the user account it belongs to) or None. E-mail goes to the first
    active account of the enterprise with a real address, else the contact e-mail of its
    latest record; SMS to the contact mobile of its latest record that has one."""
    enterprise = db.session.execute(select(Enterprise).where(
        Enterprise.uscc == uscc)).scalar_one_or_none()
    if enterprise is None:
        return None
    if channel == EMAIL:
        for user_id, email in db.session.execute(select(AppUser.id, AppUser.email).where(
                AppUser.enterprise_id == enterprise.id, AppUser.active.is_(True)).order_by(
                AppUser.id)):
            if email and "@" in email and not email.endswith(".invalid"):
                return email, user_id
        contact = db.session.execute(select(Submission.contact_email).where(
            Submission.enterprise_id == enterprise.id, Submission.contact_email.is_not(None),
            Submission.contact_email != "").order_by(Submission.id.desc()).limit(1)).scalar()
        return (contact, None) if contact and "@" in contact else None
    phone = db.session.execute(select(Submission.contact_phone).where(
        Submission.enterprise_id == enterprise.id, Submission.contact_phone.is_not(None),
        Submission.contact_phone != "").order_by(Submission.id.desc()).limit(1)).scalar()
    return (phone, None) if phone else None


def _texts(code: str) -> tuple[str, str]:
    return (f"您的企业状态查询验证码为 {code}，{CODE_MINUTES} 分钟内有效。如非本企业操作，请忽略。",
            f"Your status query code is {code}, valid for {CODE_MINUTES} minutes. If you did "
            "not ask for it, ignore this message.")


def _send(channel: str, to: str, user_id: int | None, code: str, masked: str) -> None:
    zh, en = _texts(code)
    if channel == EMAIL:
        # The platform's one SMTP path (best effort: a server that is down is logged there).
        notifications.send_email([to], zh, en)
        return
    backend = current_app.config.get("SMS_BACKEND", "log") or "log"
    if backend == "log":
        # Development and tests: the message goes to the log instead of a phone.
        log.warning("SMS not sent (SMS_BACKEND=log) to %s: %s", masked, zh)
        return
    if backend != "http":
        raise OSError(f"unknown SMS_BACKEND {backend!r}")
    url = current_app.config.get("SMS_HTTP_URL", "")
    if not url:
        raise OSError("SMS_HTTP_URL is not set")
    request = urllib.request.Request(
        url, data=json.dumps({"to": to, "text": zh}, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json",
                 "Authorization": f"Bearer {current_app.config.get('SMS_HTTP_TOKEN', '')}"},
        method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        if response.status >= 300:
            raise OSError(f"SMS gateway answered {response.status}")


def own_status(uscc: str) -> OwnStatus:
    """An enterprise's own facts: per activity its record's state (with the reason when
    returned or rejected), its confirmed score, its registration; its registrations
    (revoked ones with the reason) and its entries on the 异常名单."""
    uscc = normalise(uscc)
    enterprise = db.session.execute(select(Enterprise).where(
        Enterprise.uscc == uscc)).scalar_one_or_none()
    if enterprise is None:
        return OwnStatus(uscc, None)
    records: dict[int, Submission] = {}
    for record in db.session.execute(select(Submission).where(
            Submission.enterprise_id == enterprise.id, Submission.status != workflow.MERGED)
            .order_by(Submission.id.desc())).scalars():
        records.setdefault(record.activity_id, record)
    ids = [r.id for r in records.values()]
    scores = {s.submission_id: s for s in db.session.execute(select(ScoreResult).where(
        ScoreResult.submission_id.in_(ids), ScoreResult.status == CONFIRMED).order_by(
        ScoreResult.id)).scalars()}
    registrations = list(db.session.execute(select(Registration).where(
        Registration.enterprise_id == enterprise.id).order_by(Registration.id.desc())).scalars())
    by_record = {r.submission_id: r for r in registrations}
    activities = {a.id: a for a in db.session.execute(select(ReportingActivity).where(
        ReportingActivity.id.in_(list(records)))).scalars()}
    found = OwnStatus(uscc, enterprise.name, registrations=registrations,
                      anomalies=list(db.session.execute(select(Anomaly).where(
                          Anomaly.enterprise_id == enterprise.id).order_by(
                          Anomaly.id.desc())).scalars()))
    for activity_id in sorted(records, reverse=True):
        record, activity = records[activity_id], activities[activity_id]
        zh, en = workflow.STATUS_LABELS.get(record.status, (record.status, record.status))
        score = scores.get(record.id)
        found.activities.append(ActivityStatus(
            activity.name, activity.data_year, record.status, zh, en,
            reason=_reason(record), total=score.total if score else None,
            grade=score.grade if score else None, registration=by_record.get(record.id)))
    return found


def _reason(record: Submission) -> str | None:
    if record.status not in (*workflow.RETURNED_STATES, workflow.REJECTED):
        return None
    return db.session.execute(select(ReviewRecord.comment).where(
        ReviewRecord.submission_id == record.id, ReviewRecord.to_status == record.status)
        .order_by(ReviewRecord.id.desc()).limit(1)).scalar()


def certificate(uscc: str, registration_id: int) -> tuple[Registration, bytes]:
    """The certificate PDF of one of this enterprise's registrations (audited as a
    download); a registration of another enterprise is as good as none."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.uscc != normalise(uscc):
        raise StatusQueryError("没有该入库登记。", "No such registration.")
    data = certificate_pdf(registration)
    audit.record(audit.DOWNLOAD, object_type="Registration", object_id=str(registration.id),
                 object_repr=registration.number, detail="certificate, portal status query")
    db.session.commit()
    return registration, data
