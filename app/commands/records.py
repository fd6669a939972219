"""Activities and records as a named user sees them (SPEC §11): ``activity list``,
``submissions list`` and ``submissions show``."""

from __future__ import annotations

import datetime as dt

import click
from flask import Flask
from flask.cli import AppGroup

from app.commands._common import act_as, echo_json


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def register(app: Flask, activity: AppGroup) -> None:
    @activity.command("list")
    @click.option("--json", "as_json", is_flag=True)
    def activity_list(as_json):
        """Activities: id, name, data year, chain, status."""
        from sqlalchemy import select

        from app.extensions import db
        from app.models import ReportingActivity

        rows = [{"id": a.id, "name": a.name, "data_year": a.data_year, "chain": a.review_chain,
                 "status": a.status, "detail_tables": a.asked_tables()}
                for a in db.session.execute(select(ReportingActivity).order_by(
                    ReportingActivity.id)).scalars()]
        if as_json:
            echo_json(rows)
            return
        for row in rows:
            click.echo(f"{row['id']}\t{row['name']}\t{row['data_year']}\t{row['chain']}\t"
                       f"{row['status']}")

    submissions = AppGroup("submissions", help="Records as a user may see them.")
    app.cli.add_command(submissions)

    @submissions.command("list")
    @click.option("--activity", "activity_id", type=int)
    @click.option("--user", "username", required=True)
    @click.option("--json", "as_json", is_flag=True)
    def submissions_list(activity_id, username, as_json):
        """The records USER may see (its scope): id, activity, uscc, name, status."""
        from sqlalchemy import select

        from app.extensions import db
        from app.models import Submission
        from app.security.scope import restrict

        act_as(username)
        query = select(Submission.id, Submission.activity_id, Submission.uscc,
                       Submission.name, Submission.status).order_by(Submission.id)
        if activity_id is not None:
            query = query.where(Submission.activity_id == activity_id)
        rows = [{"id": r.id, "activity": r.activity_id, "uscc": r.uscc, "name": r.name,
                 "status": r.status} for r in db.session.execute(restrict(query, Submission))]
        if as_json:
            echo_json(rows)
            return
        for row in rows:
            click.echo(f"{row['id']}\t{row['activity']}\t{row['uscc']}\t{row['name']}\t"
                       f"{row['status']}")

    @submissions.command("show")
    @click.option("--id", "submission_id", type=int, required=True)
    @click.option("--user", "username", required=True)
    @click.option("--json", "as_json", is_flag=True)
    def submissions_show(submission_id, username, as_json):
        """One record as USER may see it: status, fields, detail rows, attachments."""
        from sqlalchemy import select

        from app.domain.records.fields import REGISTRY
        from app.extensions import db
        from app.models import Submission
        from app.security.scope import restrict
        from app.services.evidence import attachments

        user = act_as(username)
        record = db.session.execute(restrict(select(Submission).where(
            Submission.id == submission_id), Submission)).scalar_one_or_none()
        if record is None:
            raise click.ClickException("没有找到该记录，或您无权查看。\n"
                                       "No such record, or you may not see it.")
        files = attachments.of_submission(record.id) \
            if attachments.readable_submission(record.id, user) is not None else []
        shown = {
            "id": record.id, "activity": record.activity_id, "uscc": record.uscc,
            "name": record.name, "status": record.status,
            "fields": {k: _plain(getattr(record, k)) for k in REGISTRY.keys()},
            "details": {k: rows for k, rows in (record.details or {}).items()},
            "attachments": [{"id": a.id, "field": a.field, "table": a.detail_table,
                             "row": a.detail_uid, "name": a.name, "bytes": a.bytes,
                             "sha256": a.sha256} for a in files],
            "missing_evidence": attachments.missing(record, files),
        }
        if as_json:
            echo_json(shown)
            return
        click.echo(f"#{record.id} {record.name}（{record.uscc}） {record.status}")
        for key, rows in shown["details"].items():
            click.echo(f"{key}: {len(rows)} rows")
        for a in shown["attachments"]:
            click.echo(f"attachment {a['id']}: {a['field'] or a['table']} {a['name']} "
                       f"{a['bytes']} bytes")
