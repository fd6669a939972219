"""The address of the platform, ``/``: the public portal for visitors (SPEC §12.3: notices,
公示 and 公告, open activities, the objection query); signed-in users go to their workbench."""

from flask import current_app, g, redirect, url_for
from flask_appbuilder import IndexView, expose
from flask_babel import gettext as _
from sqlalchemy import select

from app.domain import publicity as P
from app.extensions import db
from app.models import Bank, ReportingActivity
from app.models.financing import PROGRAMMES
from app.models.publicity import Notice, PublicityBatch
from app.models.reporting import ACTIVITY_OPEN


class HomeView(IndexView):
    index_template = "public/home.html"

    @expose("/")
    def index(self):
        user = getattr(g, "user", None)
        if user is not None and user.is_authenticated:
            return redirect(url_for("WorkbenchView.index"))
        notices = db.session.execute(select(Notice).where(
            Notice.published_at.is_not(None)).order_by(Notice.published_at.desc())
            .limit(8)).scalars().all()
        batches = db.session.execute(select(PublicityBatch).where(
            PublicityBatch.status.in_([P.PUBLISHED, P.CLOSED])).order_by(
            PublicityBatch.published_at.desc()).limit(8)).scalars().all()
        activities = db.session.execute(select(ReportingActivity).where(
            ReportingActivity.status == ACTIVITY_OPEN,
            ReportingActivity.province_code == current_app.config["PROVINCE_CODE"]).order_by(
            ReportingActivity.id.desc())).scalars().all()
        banks = db.session.execute(select(Bank.name).order_by(Bank.id)).scalars().all()
        return self.render_template(self.index_template, notices=notices, batches=batches,
                                    activities=activities, programmes=PROGRAMMES, banks=banks,
                                    title=_("Public portal"))
