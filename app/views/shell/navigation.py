"""The shell's navigation: the sidebar grouped by task (工作台, 填报, 审核, 积分, 金融, 看板, 系统),
the breadcrumb of every page and its ``<title>``.

``app/views/menu.py`` says which screens exist and in which group (``install``); this module
only draws them. The sidebar depends on nothing but the user's roles and the language, so it
is rendered once per role set and language (like FAB's menu was) — the current page is
marked in the browser (``static/js/shell.js``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, g, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.i18n import current_language
from app.views.shell.kept_fragments import rendered_fields

MENU_SECONDS = 3600
# FAB's pages of one record, named in the breadcrumb and the title.
PAGE_KINDS = {"show": _l("Details"), "edit": _l("Edit"), "add": _l("Add")}
EXTENSION = "ipp_navigation"


@dataclass(frozen=True)
class NavItem:
    view: str  # the view class's name: its blueprint and permission view name
    label: object
    icon: str
    method: str = "list"  # the endpoint the entry opens (``view.method``)
    permission: str = "can_list"
    route_base: str = ""  # pages under it belong to this entry


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: object
    icon: str
    items: tuple[NavItem, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Navigation:
    groups: tuple[NavGroup, ...]
    home: NavItem

    def find(self, view: str) -> tuple[NavGroup | None, NavItem | None]:
        for group in self.groups:
            for item in group.items:
                if item.view == view:
                    return group, item
        return None, None


def install(app, navigation: Navigation) -> None:
    app.extensions[EXTENSION] = navigation


def navigation() -> Navigation:
    return current_app.extensions[EXTENSION]


def _visible(item: NavItem) -> bool:
    return current_app.appbuilder.sm.has_access(item.permission, item.view)


def _href(item: NavItem) -> str:
    return url_for(f"{item.view}.{item.method}")


def sidebar() -> Markup:
    """The sidebar for the current user: groups with the entries its roles may open."""
    user = getattr(g, "user", None)
    roles = tuple(sorted(role.name for role in user.roles)) \
        if user is not None and getattr(user, "is_authenticated", False) else ()
    key = repr(("sidebar", roles, current_language()))
    html = rendered_fields.get(key)
    if html is None:
        nav = navigation()
        groups = []
        for group in nav.groups:
            items = [(item, _href(item)) for item in group.items if _visible(item)]
            if items:
                groups.append((group, items))
        html = Markup(render_template("shell/sidebar.html", groups=groups,
                                      home=(nav.home, _href(nav.home))))
        rendered_fields.set(key, html, timeout=MENU_SECONDS)
    return html


def breadcrumb(title: object = None) -> list[tuple[str, str | None]]:
    """(label, link) from the workbench to the current page: 工作台 › 审核 › 审核队列 › the
    record. The entry links to its list; the page's own title ends the trail when it is
    not the entry's list itself."""
    nav = navigation()
    home = (str(nav.home.label), _href(nav.home))
    endpoint = request.endpoint or ""
    view, _dot, method = endpoint.partition(".")
    if view == nav.home.view:
        return [(home[0], None)]
    trail = [home]
    group, item = nav.find(view)
    if group is not None:
        if str(group.label) != str(item.label):  # 数据看板 › 数据看板 says nothing twice
            trail.append((str(group.label), None))
        if method == item.method:
            trail.append((str(item.label), None))
            return trail
        trail.append((str(item.label), _href(item) if _visible(item) else None))
    if title and (item is None or str(title) != str(item.label)):
        trail.append((str(title), None))
    elif method in PAGE_KINDS:  # FAB's record pages are titled like their list
        trail.append((str(PAGE_KINDS[method]), None))
    return trail


def platform_name() -> str:
    """辽宁省创新积分平台: the deployment's province and the platform, in the user's language."""
    from app.extensions import db
    from app.models import Region

    key = repr(("platform name", current_app.config["PROVINCE_CODE"], current_language()))
    name = rendered_fields.get(key)
    if name is None:
        region = db.session.get(Region, current_app.config["PROVINCE_CODE"])
        province = (getattr(region, "name_en", None) if current_language() == "en"
                    else getattr(region, "name", None)) or ""
        name = str(current_app.config.get("APP_NAME") or "")
        if province:
            name = f"{province} {name}" if current_language() == "en" else f"{province}{name}"
        rendered_fields.set(key, name, timeout=MENU_SECONDS)
    return name


def page_title(title: object = None) -> str:
    """The page's own ``<title>``: "审核队列 · 辽宁省创新积分平台"; a record page of a list
    ("填报记录 · 详情") is told from the list itself."""
    trail = [label for label, _link in breadcrumb(title)]
    own = trail[-1]
    if len(trail) > 1 and own in {str(kind) for kind in PAGE_KINDS.values()}:
        own = f"{trail[-2]} · {own}"
    return f"{own} · {platform_name()}"
