"""What the shell's templates call on every page (``base_layout.html``, ``shell/*.html``):
the sidebar, the breadcrumb and title, the area switch, the user's name and roles, the
unread count of the bell."""

from __future__ import annotations

from flask import g

from app.i18n import current_language
from app.security import roles
from app.views.shell import names, navigation, tags
from app.views.shell.focus import focus_menu
from app.views.shell.kept_lists import kept_while_unchanged
from app.views.shell.people import real_name
from app.views.shell.quick_search import region_tree
from app.views.shell.values import field_value


def _signed_in():
    user = getattr(g, "user", None)
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def user_name() -> str:
    """The user's real name as people write it: 张伟 (family name first) or the login."""
    user = _signed_in()
    if user is None:
        return ""
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if last in ("", "-"):
        return first or user.username
    return f"{first}{last}" if _is_cjk(first + last) else f"{first} {last}"


def _is_cjk(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def role_names() -> str:
    user = _signed_in()
    return "、".join(str(roles.ROLE_LABELS.get(r.name, r.name)) for r in user.roles) \
        if user else ""


def unread_notifications() -> int:
    from app.services.platform.notifications import unread_count

    user = _signed_in()
    if user is None:
        return 0
    return kept_while_unchanged(f"unread:{user.id}", ("notification",),
                                lambda: unread_count(user.id))


def colon() -> str:
    """"：" in Chinese text, ": " in English (label：value)."""
    return ": " if current_language() == "en" else "："


def template_helpers() -> dict:
    return {"colon": colon, "shell_sidebar": navigation.sidebar,
            "shell_breadcrumb": navigation.breadcrumb, "shell_title": navigation.page_title,
            "shell_platform_name": navigation.platform_name, "shell_focus": focus_menu,
            "shell_user_name": user_name, "shell_role_names": role_names,
            "unread_notifications": unread_notifications, "status_tag": tags.status_tag,
            "days_tag": tags.days_tag, "tag": tags.tag, "region_tree": region_tree,
            "field_value": field_value, "real_name": real_name,
            **names.HELPERS}
