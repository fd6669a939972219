from flask import g
from flask_appbuilder import IndexView, expose

from app.security import roles
from app.security.scope import current_scope


class HomeView(IndexView):
    index_template = "home.html"

    @expose("/")
    def index(self):
        user = getattr(g, "user", None)
        if user is None or not user.is_authenticated:
            user = None
        role_labels = [str(roles.ROLE_LABELS.get(r.name, r.name))
                       for r in (user.roles if user else [])]
        return self.render_template(self.index_template, appbuilder=self.appbuilder,
                                    user=user, role_labels=role_labels, scope=current_scope())
