"""公示, 异议, 公告 and 撤销 from the command line (SPEC §11, §12.3): the same service
functions as the screens, as a named user where the table says so."""

from __future__ import annotations

import datetime as dt

import click
from flask import Flask
from flask.cli import AppGroup

from app.commands._common import act_as, both, echo_json, province_operator


def _refused(error):
    return click.ClickException(both(error))


def _operator(username):
    return act_as(username) if username else province_operator()


def register(app: Flask) -> None:
    from app.domain.errors import BilingualError

    publicity = AppGroup("publicity", help="公示 batches.")
    app.cli.add_command(publicity)

    @publicity.command("create")
    @click.option("--activity", "activity_id", type=int, required=True)
    @click.option("--uscc", "usccs", multiple=True)
    @click.option("--run", "run_id", type=int)
    @click.option("--passed", is_flag=True)
    @click.option("--grades", default="")
    @click.option("--days", type=int, default=5)
    @click.option("--corrects", "corrects", type=int, default=None,
                  help="The published batch this one corrects (更正); needs --note.")
    @click.option("--note", default=None, help="What the correction corrects.")
    @click.option("--user", "username", default=None)
    @click.option("--json", "as_json", is_flag=True)
    def create(activity_id, usccs, run_id, passed, grades, days, corrects, note, username,
               as_json):
        """A 公示 batch of approved records, not yet published."""
        from app.services.publicity import batches

        chosen_grades = [g.strip() for g in grades.split(",") if g.strip()]
        if not usccs and not run_id:
            raise click.ClickException("请用 --uscc 指明企业，或用 --run 指明测算批次。\n"
                                       "Name enterprises with --uscc or a run with --run.")
        if run_id and not (passed or chosen_grades):
            raise click.ClickException("--run 需与 --passed 或 --grades 同用。\n"
                                       "Use --run with --passed or --grades.")
        user = _operator(username)
        try:
            batch = batches.create(activity_id, user, usccs=list(usccs), run_id=run_id,
                                   passed=passed, grades=chosen_grades, days=days,
                                   corrects=corrects, note=note)
        except BilingualError as error:
            raise _refused(error) from error
        result = {"batch": batch.id, "count": len(batch.entries)}
        echo_json(result) if as_json else click.echo(batch.id)

    @publicity.command("publish")
    @click.option("--batch", "batch_id", type=int, required=True)
    @click.option("--user", "username", default=None)
    @click.option("--json", "as_json", is_flag=True)
    def publish(batch_id, username, as_json):
        """Publish the batch: its number and period."""
        from app.services.publicity import batches

        user = _operator(username)
        try:
            batch = batches.publish(batch_id, user)
        except BilingualError as error:
            raise _refused(error) from error
        result = {"batch": batch.id, "number": batch.number, "starts": batch.starts.isoformat(),
                  "ends": batch.ends.isoformat()}
        echo_json(result) if as_json else click.echo(
            f"{batch.number}: {batch.starts} – {batch.ends}")

    @publicity.command("close")
    @click.option("--batch", "batch_id", type=int, required=True)
    @click.option("--as-of", "as_of", default=None, help="YYYY-MM-DD (default today)")
    @click.option("--user", "username", default=None)
    @click.option("--json", "as_json", is_flag=True)
    def close(batch_id, as_of, username, as_json):
        """End the period: 公告 and registration numbers."""
        from app.services.publicity import batches

        try:
            day = dt.date.fromisoformat(as_of) if as_of else None
        except ValueError:
            raise click.ClickException(f"日期“{as_of}”应为 YYYY-MM-DD。\n"
                                       f"“{as_of}” is not a date YYYY-MM-DD.") from None
        user = _operator(username)
        try:
            result = batches.close(batch_id, user, as_of=day)
        except BilingualError as error:
            raise _refused(error) from error
        echo_json(result) if as_json else click.echo(
            f"{result['announced']} announced, {result['withdrawn']} withdrawn.")

    objections = AppGroup("objections", help="异议 against listed enterprises.")
    app.cli.add_command(objections)

    @objections.command("add")
    @click.option("--batch", "batch_id", type=int, required=True)
    @click.option("--uscc", required=True)
    @click.option("--reason", required=True)
    @click.option("--name", default=None)
    @click.option("--contact", default=None)
    @click.option("--json", "as_json", is_flag=True)
    def add(batch_id, uscc, reason, name, contact, as_json):
        """Lodge an objection as the public form does; prints its id and query code."""
        from app.services.publicity import objections as service

        try:
            objection = service.lodge(batch_id, uscc, reason, name=name, contact=contact)
        except BilingualError as error:
            raise _refused(error) from error
        echo_json({"objection": objection.id, "code": objection.code}) if as_json else \
            click.echo(f"{objection.id} {objection.code}")

    @objections.command("decide")
    @click.option("--id", "objection_id", type=int, required=True)
    @click.option("--upheld/--not-upheld", "upheld", default=None)
    @click.option("--reason", required=True)
    @click.option("--user", "username", required=True)
    def decide(objection_id, upheld, reason, username):
        """The official's decision: 成立 (--upheld) or 不成立 (--not-upheld)."""
        from app.domain import publicity as P
        from app.services.publicity import objections as service

        if upheld is None:
            raise click.ClickException("请用 --upheld 或 --not-upheld 作出决定。\n"
                                       "Decide with --upheld or --not-upheld.")
        user = act_as(username)
        try:
            objection = service.decide(objection_id, P.UPHELD if upheld else P.NOT_UPHELD,
                                       reason, user)
        except BilingualError as error:
            raise _refused(error) from error
        click.echo(objection.status)

    registrations = AppGroup("registrations", help="入库登记 and 撤销.")
    app.cli.add_command(registrations)

    @registrations.command("revoke")
    @click.option("--number", required=True)
    @click.option("--reason", required=True)
    @click.option("--user", "username", required=True)
    def revoke(number, reason, username):
        """撤销 a registration, with its published notice."""
        from app.services.publicity import registrations as service

        user = act_as(username)
        try:
            registration = service.revoke(number, reason, user)
        except BilingualError as error:
            raise _refused(error) from error
        click.echo(registration.number)
