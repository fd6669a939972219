"""Unbound extensions; ``create_app`` binds them to the application.

Flask-AppBuilder is the exception: an ``AppBuilder`` keeps its views and menu
on itself, so one instance cannot serve two applications (tests build
several). ``create_app`` makes one per application; code reaches it as
``current_app.appbuilder``.
"""

import flask_appbuilder
from flask_appbuilder.models.sqla.base import SQLA
from flask_caching import Cache
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

# Share FAB's metadata so that Alembic sees FAB's tables and ours together.
db = SQLA(metadata=flask_appbuilder.Model.metadata)
migrate = Migrate()
csrf = CSRFProtect()
cache = Cache()
