"""Coloured tags (Element's el-tag): a record's status and a deadline's days left, readable
at a glance. Colours: grey for not started or finished-without-effect, blue for waiting,
orange for back with the enterprise, green for passed, red for refused or revoked."""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.domain import workflow
from app.i18n import current_language

STATUS_COLOURS = {
    workflow.DRAFT: "grey",
    workflow.PENDING_COUNTY: "blue",
    workflow.PENDING_CITY: "blue",
    workflow.PENDING_PROVINCE: "blue",
    workflow.APPROVED: "green",
    workflow.SUBMITTED: "cyan",
    workflow.SCORED: "purple",
    workflow.CONFIRMED: "green",
    workflow.RETURNED: "orange",
    workflow.NATIONAL_RETURNED: "orange",
    workflow.REJECTED: "red",
    workflow.DUPLICATE: "orange",
    workflow.MERGED: "grey",
}


def tag(text, colour: str = "grey", **attributes) -> Markup:
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attributes.items())
    return Markup(f'<span class="tag tag-{colour}"{extra}>{escape(text)}</span>')


def status_label(status: str | None) -> str:
    zh, en = workflow.STATUS_LABELS.get(status, (status or "—", status or "—"))
    return zh if current_language() == "zh" else en


def status_tag(status: str | None) -> Markup:
    return tag(status_label(status), STATUS_COLOURS.get(status, "grey"),
               data_status=status or "")


def days_tag(days: int | None) -> Markup:
    """"还剩 5 天" — red from 3 days left, orange within a week, "已截止" when past."""
    if days is None:
        return Markup("")
    if days < 0:
        return tag(_("Deadline passed"), "grey")
    colour = "red" if days <= 3 else "orange" if days <= 7 else "blue"
    return tag(_("today") if days == 0 else _("%(n)s days left", n=days), colour)


def labelled_tags(labels: dict, colours: dict):
    """A list cell formatter: a stored value as its label in a coloured tag (a project's
    发布状态, a result's 确认状态, a bank's 反馈状态); the export keeps the plain label."""
    def shown(value) -> Markup:
        if value is None or value == "":
            return Markup("—")
        return tag(str(labels.get(value, value)), colours.get(value, "grey"),
                   data_status=value)
    return shown
