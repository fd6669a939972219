"""Unbound extensions; ``create_app`` binds them to the application."""

import flask_appbuilder
from flask_appbuilder import AppBuilder
from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

# Share FAB's metadata so that Alembic sees FAB's tables and ours together.
db = SQLA(metadata=flask_appbuilder.Model.metadata)
appbuilder = AppBuilder()
migrate = Migrate()
csrf = CSRFProtect()
