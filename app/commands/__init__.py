"""Command line for operators and automation (SPEC §11): thin wrappers over services."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.commands import evidence, national, profiles, publicity, records
from app.commands._common import both
from app.services.platform.accounts import AccountError

_both = both


def _warn_small_cohorts(run) -> None:
    from app.services import scoring as service

    small = service.small_cohorts(run)
    if small:
        minimum = run.cohorts["min_size"]
        click.echo(f"注意：同级比较群体小于最少 {minimum} 家："
                   f"{service.describe_small(run, small, 'zh')}。"
                   f"\nWarning: cohorts below the minimum of {minimum}: "
                   f"{service.describe_small(run, small, 'en')}.", err=True)


def register_commands(app: Flask) -> None:
    @app.cli.command("setup")
    def setup_command():
        """Create or upgrade the database; load regions, roles, permissions, banks."""
        from app.services.platform.setup import run_setup
        from app.services.profiles.criteria import ensure_defaults

        counts = run_setup()
        ensure_defaults()  # the default pools and tags, once; a province's edits are kept
        click.echo(
            "Database ready: {regions} regions, {banks} banks, {roles} roles added or "
            "updated.".format(**counts)
        )

    demo = AppGroup("demo", help="Demo data.")
    app.cli.add_command(demo)

    @demo.command("load")
    def demo_load():
        """Add the demo users and data (idempotent)."""
        from app.services.demo import demo_users, load_demo

        counts = load_demo()
        click.echo("Demo data: {enterprises} enterprises and {users} users added.".format(**counts))
        if counts.get("activities"):
            click.echo("Demo activity with {submissions} enterprises ({submitted} submitted) "
                       "added.".format(**counts))
        click.echo("Demo logins:")
        for username, role, password in demo_users():
            click.echo(f"  {username:<16} {password}  {role}")

    activity = AppGroup("activity", help="Reporting activities.")
    app.cli.add_command(activity)

    @activity.command("create")
    @click.option("--name", required=True)
    @click.option("--data-year", type=int, required=True)
    @click.option("--chain", type=click.Choice(["county", "city", "province"]), default="county")
    @click.option("--open", "open_now", is_flag=True, help="Open it for reporting now.")
    @click.option("--detail-tables", default="",
                  help="Detail tables it asks for, e.g. ip,projects (SPEC §12.1).")
    def activity_create(name, data_year, chain, open_now, detail_tables):
        """Create a reporting activity; prints its id."""
        from app.services.intake.activities import SettingsError, create_activity

        tables = [t.strip() for t in detail_tables.split(",") if t.strip()]
        try:
            created = create_activity(name, data_year, chain, open_now, detail_tables=tables)
        except SettingsError as error:
            raise click.ClickException(_both(error)) from error
        click.echo(created.id)

    records.register(app, activity)
    evidence.register(app)
    publicity.register(app)
    profiles.register(app)
    national.register(app)

    batch = AppGroup("batch", help="Batch upload.")
    app.cli.add_command(batch)

    @batch.command("template")
    @click.option("--activity", "activity_id", type=int, required=True)
    @click.option("--out", required=True, type=click.Path(dir_okay=False))
    @click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
    def batch_template(activity_id, out, lang):
        """Write the activity's Excel template."""
        from app.extensions import db
        from app.models import ReportingActivity
        from app.services.intake.workbook import build_template

        activity = db.session.get(ReportingActivity, activity_id)
        if activity is None:
            raise click.ClickException(f"No activity {activity_id}.")
        build_template(activity, out, lang)
        click.echo(out)

    @batch.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--activity", "activity_id", type=int, required=True)
    @click.option("--user", "username", required=True)
    @click.option("--json", "as_json", is_flag=True, help="Print per-row verdicts as JSON.")
    def batch_import(path, activity_id, username, as_json):
        """Upload a filled template as USER, as the upload page does."""
        import json
        from pathlib import Path

        from flask import current_app, g

        from app.extensions import db
        from app.models import ReportingActivity
        from app.services.intake.batch import BatchError, import_workbook, unmatched_detail_rows

        activity = db.session.get(ReportingActivity, activity_id)
        found = current_app.appbuilder.sm.find_user(username=username)
        if activity is None or found is None:
            raise click.ClickException("Unknown activity or user.")
        g.user = found  # act as that user: scope, audit and review records follow
        try:
            result = import_workbook(activity, found, Path(path).name, Path(path).read_bytes())
        except BatchError as error:
            raise click.ClickException(error.message_en) from error
        if as_json:
            shown = {"batch": result.id, "passed": result.passed, "failed": result.failed,
                     "warned": result.warned, "rows": result.verdicts}
            if activity.asked_tables():  # detail rows whose credit code no record has (§11)
                shown["unmatched_detail_rows"] = unmatched_detail_rows(result)
            click.echo(json.dumps(shown, ensure_ascii=False))
        else:
            click.echo(f"Batch {result.id}: {result.passed} passed, {result.failed} failed, "
                       f"{result.warned} with warnings, {result.duplicates} duplicates.")

    projects = AppGroup("projects", help="Evaluation projects.")
    app.cli.add_command(projects)

    @projects.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def projects_import(path):
        """Import a project file (YAML); prints its code and version."""
        from pathlib import Path

        from app.domain.scoring import ProjectError
        from app.services.scoring import import_project

        try:
            row = import_project(Path(path).read_bytes())
        except ProjectError as error:
            raise click.ClickException(error.message_en) from error
        click.echo(f"{row.code} {row.version}")

    scores = AppGroup("scores", help="Score runs.")
    app.cli.add_command(scores)

    @scores.command("run")
    @click.option("--activity", "activity_id", type=int, required=True)
    @click.option("--project", "code", required=True)
    @click.option("--json", "as_json", is_flag=True)
    def scores_run(activity_id, code, as_json):
        """Score the activity's records that passed provincial review."""
        import json

        from app.extensions import db
        from app.models import ReportingActivity
        from app.services import scoring as service

        activity = db.session.get(ReportingActivity, activity_id)
        project = service.latest_published(code)
        if activity is None or project is None:
            raise click.ClickException("Unknown activity or published project.")
        from app.security.scope import ALL, UserScope

        try:  # an operator's command sees the whole activity
            run = service.run_scores(activity, project, scope=UserScope(ALL))
        except service.ScoringError as error:
            raise click.ClickException(_both(error)) from error
        if as_json:
            click.echo(json.dumps(service.run_json(run), ensure_ascii=False))
        else:
            passed = "" if run.passed is None else f", {run.passed} passed"
            click.echo(f"Run {run.id}: {run.scored} scored of a cohort of {run.cohort_size}, "
                       f"{run.eligible} eligible{passed}.")
        _warn_small_cohorts(run)

    @scores.command("confirm")
    @click.option("--run", "run_id", type=int, required=True)
    @click.option("--uscc", "usccs", multiple=True,
                  help="Confirm only this enterprise's result (repeat for several).")
    def scores_confirm(run_id, usccs):
        """Confirm a run's results (all, or those enterprises'); prints how many.

        The command is the operator's explicit confirmation: cohorts below the project's
        minimum size are named on standard error and recorded in the audit log as accepted."""
        from app.extensions import db
        from app.models import ScoreRun
        from app.security.scope import ALL, UserScope
        from app.services import scoring as service

        run = db.session.get(ScoreRun, run_id)
        if run is None:
            raise click.ClickException(f"测算批次 {run_id} 不存在。\nNo score run {run_id}.")
        try:
            count = service.confirm(run, usccs=list(usccs), accept_small_cohorts=True,
                                    scope=UserScope(ALL))
        except service.ScoringError as error:
            db.session.rollback()
            raise click.ClickException(_both(error)) from error
        click.echo(count)
        _warn_small_cohorts(run)

    @scores.command("export")
    @click.option("--run", "run_id", type=int, required=True)
    @click.option("--out", required=True, type=click.Path(dir_okay=False))
    def scores_export(run_id, out):
        """Write a run's results with their breakdown to Excel."""
        from app.extensions import db
        from app.models import ScoreRun
        from app.security.scope import ALL, UserScope
        from app.services.scoring import export_run

        run = db.session.get(ScoreRun, run_id)
        if run is None:
            raise click.ClickException(f"No run {run_id}.")
        click.echo(f"{export_run(run, out, UserScope(ALL))} rows written to {out}")

    user = AppGroup("user", help="Accounts.")
    app.cli.add_command(user)

    @user.command("create")
    @click.option("--username", required=True)
    @click.option("--password", required=True)
    @click.option("--role", required=True, help="Admin, ProvinceAdmin, CityReviewer, "
                  "CountyReviewer, Enterprise or Bank")
    @click.option("--email", required=True)
    @click.option("--first-name", default="")
    @click.option("--last-name", default="")
    @click.option("--region", "region_code", default=None, help="Region code (21, 2102, 210202)")
    @click.option("--enterprise-id", type=int, default=None)
    @click.option("--bank-id", type=int, default=None)
    def user_create(username, password, role, email, first_name, last_name, region_code,
                    enterprise_id, bank_id):
        """Create an account; the password policy applies."""
        from app.services.platform.accounts import create_user

        try:
            created = create_user(username, password, role, first_name=first_name or username,
                                  last_name=last_name or "-", email=email,
                                  region_code=region_code, enterprise_id=enterprise_id,
                                  bank_id=bank_id)
        except AccountError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"User {created.username} created.")

    @user.command("set-password")
    @click.option("--username", required=True)
    @click.option("--password", required=True)
    def user_set_password(username, password):
        """Set a user's password; the password policy applies."""
        from flask import current_app
        from flask_appbuilder.exceptions import PasswordComplexityValidationError

        sm = current_app.appbuilder.sm
        found = sm.find_user(username=username)
        if found is None:
            raise click.ClickException(f"No user {username}.")
        try:
            sm.reset_password(found.id, password)
        except PasswordComplexityValidationError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Password of {username} changed.")
