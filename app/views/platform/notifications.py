"""The bell: the user's own notifications; opening the list marks them read."""

from __future__ import annotations

import datetime as dt

from flask import g
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from sqlalchemy import select, update

from app.extensions import db
from app.i18n import current_language
from app.models import Notification


class NotificationView(BaseView):
    route_base = "/notifications"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        items = list(db.session.execute(
            select(Notification).where(Notification.user_id == g.user.id)
            .order_by(Notification.id.desc()).limit(200)).scalars())
        unread = [n.id for n in items if n.read_at is None]
        if unread:
            db.session.execute(update(Notification).where(Notification.id.in_(unread))
                               .values(read_at=dt.datetime.now()))
            db.session.commit()
        return self.render_template("notifications.html", items=items, unread=set(unread),
                                    lang=current_language(), title=_("Notifications"))
