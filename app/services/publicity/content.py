"""The portal's own pages (通知公告, 政策文件): written by province staff in the rich-text
editor, stored as sanitised HTML (nh3, the Rust ammonia sanitiser), so that no script, style
or event handler survives whatever is pasted or posted."""

from __future__ import annotations

import datetime as dt

import nh3

from app.domain.publicity import PublicityError
from app.extensions import db
from app.models.publicity import Notice
from app.services.publicity import require_province

KINDS = {"notice": ("通知公告", "Notice"), "policy": ("政策文件", "Policy document")}
TAGS = {"p", "br", "strong", "b", "em", "i", "u", "s", "ol", "ul", "li", "h2", "h3", "h4",
        "blockquote", "a", "table", "thead", "tbody", "tr", "th", "td", "span", "sub", "sup"}
ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"},
              "th": {"colspan", "rowspan"}}


def sanitise(html: str) -> str:
    """Only text structure and links (http, https, mailto); everything else removed."""
    return nh3.clean(html or "", tags=TAGS, attributes=ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")


def save(user, kind: str, title: str, body_html: str, publish: bool = False,
         notice_id: int | None = None) -> Notice:
    require_province(user)
    if kind not in KINDS:
        raise PublicityError("请选择栏目：通知公告或政策文件。",
                             "Choose the section: notice or policy document.")
    title = (title or "").strip()
    if not title:
        raise PublicityError("请填写标题。", "Give the page a title.")
    notice = db.session.get(Notice, notice_id) if notice_id else Notice(
        created_by=getattr(user, "username", None))
    if notice is None:
        raise PublicityError("没有该页面。", "No such page.")
    notice.kind, notice.title = kind, title[:200]
    notice.body_html = sanitise(body_html)
    if publish and notice.published_at is None:
        notice.published_at = dt.datetime.now()
    db.session.add(notice)
    db.session.commit()
    return notice
