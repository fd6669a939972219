"""入库登记 after 公告 and its revocation (撤销, SPEC §12.3): a revoked registration is published
as a notice on the portal and bars the enterprise's records of that data year (strong rule
S9) until the province lifts the bar."""

from __future__ import annotations

import datetime as dt

from markupsafe import escape
from sqlalchemy import select

from app.domain import publicity as P
from app.extensions import db
from app.models.publicity import Notice, Registration
from app.services.platform import audit, notifications
from app.services.publicity import enterprise_users, require_province

ACTIVE, REVOKED = "active", "revoked"


def _registration(number: str) -> Registration:
    found = db.session.execute(select(Registration).where(
        Registration.number == (number or "").strip())).scalar_one_or_none()
    if found is None:
        raise P.PublicityError(f"没有登记编号为“{number}”的入库企业。",
                               f"No registration numbered “{number}”.")
    return found


def revoke(number: str, reason: str, user) -> Registration:
    require_province(user)
    registration = _registration(number)
    reason = (reason or "").strip()
    if not reason:
        raise P.PublicityError("请填写撤销的理由。", "Give the reason for the revocation.")
    if registration.status == REVOKED:
        raise P.PublicityError("该登记已被撤销。", "This registration is already revoked.")
    registration.status, registration.revoked_reason = REVOKED, reason
    registration.revoked_at = dt.datetime.now()
    registration.revoked_by = getattr(user, "username", None)
    db.session.add(Notice(
        kind="revocation", title=f"关于撤销{registration.name}入库登记的公告",
        body_html=f"<p>{escape(registration.name)}（统一社会信用代码 {escape(registration.uscc)}，"
                  f"入库登记编号 {escape(registration.number)}）：{escape(reason)}。"
                  f"撤销入库登记，{registration.data_year} 年度不得再参加评价。</p>",
        registration_id=registration.id, published_at=registration.revoked_at,
        created_by=registration.revoked_by))
    notifications.notify(enterprise_users(registration.enterprise_id),
                         f"您的入库登记（{registration.number}）已被撤销：{reason}",
                         f"Your registration ({registration.number}) was revoked: {reason}")
    audit.record(audit.UPDATE, object_type="Registration", object_id=str(registration.id),
                 object_repr=registration.number, detail=f"撤销：{reason}"[:500])
    db.session.commit()
    return registration


def lift_bar(number: str, reason: str, user) -> Registration:
    """The province lets a revoked enterprise be evaluated again in that data year."""
    require_province(user)
    registration = _registration(number)
    if registration.status != REVOKED:
        raise P.PublicityError("只有已撤销的登记才有评价限制。",
                               "Only a revoked registration bars evaluation.")
    registration.bar_lifted = True
    audit.record(audit.UPDATE, object_type="Registration", object_id=str(registration.id),
                 object_repr=registration.number, detail=f"解除评价限制：{reason}"[:500])
    db.session.commit()
    return registration


def barred(uscc: str, data_year: int) -> Registration | None:
    """The revoked registration that bars this enterprise in that data year, if any."""
    return db.session.execute(select(Registration).where(
        Registration.uscc == uscc, Registration.data_year == data_year,
        Registration.status == REVOKED, Registration.bar_lifted.is_(False))).scalars().first()


def certificate_pdf(registration: Registration) -> bytes:
    """The certificate-style PDF of a registration (pdfkit, as the submission letter)."""
    import pdfkit
    from flask import render_template

    from app.models import Region

    county = db.session.get(Region, registration.region_code)
    province = db.session.get(Region, registration.region_code[:2] + "0000") or \
        db.session.get(Region, registration.region_code[:2])
    html = render_template("publicity/certificate_pdf.html", registration=registration,
                           region=county.full_name if county else registration.region_code,
                           province=province.name if province else "",
                           today=dt.date.today())
    try:
        return pdfkit.from_string(html, False, options={
            "encoding": "UTF-8", "page-size": "A4", "quiet": "", "margin-top": "15mm",
            "margin-bottom": "15mm"})
    except OSError as error:
        raise P.PublicityError("无法生成 PDF：服务器未安装 wkhtmltopdf，请联系管理员。",
                               "The PDF cannot be made: wkhtmltopdf is missing on the "
                               "server.") from error
