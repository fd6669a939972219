"""我的任务: the user's own background jobs (uploads, score runs) with their progress."""

from __future__ import annotations

from flask import abort, g, jsonify, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.i18n import current_language
from app.models import BackgroundJob
from app.services.platform import jobs


class JobView(BaseView):
    """我的任务: the user's own background jobs."""

    route_base = "/jobs"
    default_view = "index"

    def _own(self):
        return select(BackgroundJob).where(BackgroundJob.user_id == g.user.id)

    @expose("/")
    @has_access
    def index(self):
        own = list(db.session.execute(self._own().order_by(BackgroundJob.id.desc())
                                      .limit(100)).scalars())
        jobs.refresh_stale(own)
        return self.render_template("jobs.html", jobs=own, title=_("My tasks"),
                                    lang=current_language())

    def _job(self, pk):
        job = db.session.execute(self._own().where(BackgroundJob.id == pk)).scalar_one_or_none()
        if job is None:
            abort(404)
        jobs.refresh_stale([job])
        return job

    @expose("/show/<int:pk>")
    @has_access
    def show(self, pk):
        return self.render_template("job.html", job=self._job(pk), title=_("Task"),
                                    lang=current_language())

    @expose("/status/<int:pk>")
    @has_access
    def status(self, pk):
        job = self._job(pk)
        result = job.result or {}
        lang = current_language()
        batch_id = result.get("batch_id")
        run_id = result.get("score_run_id")
        url = (url_for("BatchView.show", pk=batch_id) if batch_id else
               url_for("ScoreRunView.show", pk=run_id) if run_id else None)
        return jsonify(status=job.status, done=job.done, total=job.total,
                       message=result.get(lang) or "", batch_url=url)
