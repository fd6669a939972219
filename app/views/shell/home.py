"""The address of the platform, ``/``: signed-in users go to their workbench, visitors see
the welcome page with the way to sign in."""

from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose


class HomeView(IndexView):
    index_template = "home.html"

    @expose("/")
    def index(self):
        user = getattr(g, "user", None)
        if user is not None and user.is_authenticated:
            return redirect(url_for("WorkbenchView.index"))
        return self.render_template(self.index_template, appbuilder=self.appbuilder)
