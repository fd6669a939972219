"""The baseline of issue 8's "3 ×" goal: a bare Flask-AppBuilder 5 app in FAB's quickhowto
style — a plain ModelView over the same `submission` table of ipp_load, FAB's default security
with its roles and permissions in the database.

FAB's security tables live in their own database (ipp_load_bare) so that the platform's own
security tables in ipp_load stay as the platform wrote them; the records are read from ipp_load.

    .venv/bin/python benchmarks/load/bare_fab.py setup     # database, role, user bare_user
    APP='benchmarks.load.bare_fab:create_app()' TAG=bare LOCUSTFILE=benchmarks/load/list_only.py \
        USERNAME=bare_user LIST_URL=/baresubmissionview/list/ \
        PAGE_ARG=page_BareSubmissionView DURATION=1m benchmarks/load/run.sh
"""

from __future__ import annotations

import os
import sys

from flask import Flask
from flask_appbuilder import AppBuilder, Model, ModelView
from flask_appbuilder.models.sqla.base import SQLA
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import Column, DateTime, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PASSWORD = "Demo#2026"
db = SQLA()


class DataModel(DeclarativeBase):
    # Flask-SQLAlchemy 3 routes a table to a bind through its metadata's bind_key.
    metadata = MetaData(info={"bind_key": "data"})


class BareSubmission(DataModel):
    __tablename__ = "submission"
    id = Column(Integer, primary_key=True)
    name = Column(String)
    uscc = Column(String)
    region_code = Column(String)
    status = Column(String)
    warning_count = Column(Integer)
    error_count = Column(Integer)
    submitted_at = Column(DateTime)


class BareSubmissionView(ModelView):
    datamodel = SQLAInterface(BareSubmission)
    list_columns = ["name", "uscc", "region_code", "status", "warning_count", "error_count",
                    "submitted_at"]
    search_columns = ["name", "uscc", "region_code", "status"]


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=os.environ.get("SECRET_KEY", "bare-fab-benchmark-only-key-0123456789"),
        SQLALCHEMY_DATABASE_URI=f"{SERVER}/ipp_load_bare",
        SQLALCHEMY_BINDS={"data": f"{SERVER}/ipp_load"},
        AUTH_TYPE=1,  # AUTH_DB
        FAB_UPDATE_PERMS=False,  # `setup` writes them, as a deployment would once
        PAGE_SIZE=20,
    )
    db.init_app(app)
    with app.app_context():
        appbuilder = AppBuilder()
        appbuilder.init_app(app, db.session)
        appbuilder.add_view(BareSubmissionView, "Submissions", category="Reporting")
    return app


def setup() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres",
                         autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "ipp_load_bare" WITH (FORCE)')
        conn.execute('CREATE DATABASE "ipp_load_bare"')
    app = create_app()
    with app.app_context():
        Model.metadata.create_all(db.engines[None])  # FAB's security tables
        sm = app.appbuilder.sm
        sm.create_db()
        app.appbuilder.update_perms = True
        app.appbuilder.add_permissions(update_perms=True)
        role = sm.add_role("Reader")
        for perm, view in (("can_list", "BareSubmissionView"),
                           ("can_show", "BareSubmissionView"),
                           ("menu_access", "Submissions"), ("menu_access", "Reporting")):
            pv = sm.find_permission_view_menu(perm, view)
            if pv is not None:
                sm.add_permission_role(role, pv)
        sm.add_user("bare_user", "Bare", "User", "bare@example.org", role, PASSWORD)
        print("bare_user ready;", len(role.permissions), "permissions")


if __name__ == "__main__" and sys.argv[1:] == ["setup"]:
    setup()
