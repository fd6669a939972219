"""Evidence files from the command line (SPEC §11, §12.2): ``attachments add``, ``get`` and
``cleanup`` — the same service functions as the portal and the review page."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from app.commands._common import act_as, both, echo_json


def register(app: Flask) -> None:
    group = AppGroup("attachments", help="Evidence files (佐证材料).")
    app.cli.add_command(group)

    @group.command("add")
    @click.option("--submission", "submission_id", type=int, required=True)
    @click.option("--field", "field", default=None, help="The field the file proves.")
    @click.option("--table", default=None, help="Or a detail table …")
    @click.option("--row", "uid", default=None, help="… and the uid of its row.")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--user", "username", required=True)
    @click.option("--json", "as_json", is_flag=True)
    def add(submission_id, field, table, uid, path, username, as_json):
        """Attach the file at PATH to a field (or a detail row) of a record, as USER."""
        from app.domain.errors import BilingualError
        from app.services.evidence import attachments

        user = act_as(username)
        if not field and not (table and uid):
            raise click.ClickException("请用 --field 指明字段，或用 --table 和 --row 指明明细行。"
                                       "\nName a field with --field, or a detail row with "
                                       "--table and --row.")
        try:
            with open(path, "rb") as stream:
                row = attachments.add(submission_id, user, stream, Path(path).name,
                                      field=field, table=table, uid=uid)
        except BilingualError as error:
            raise click.ClickException(both(error)) from error
        if as_json:
            echo_json({"attachment": row.id, "bytes": row.bytes, "sha256": row.sha256})
        else:
            click.echo(row.id)

    @group.command("get")
    @click.option("--id", "attachment_id", type=int, required=True)
    @click.option("--user", "username", required=True)
    @click.option("--out", required=True, type=click.Path(dir_okay=False))
    def get(attachment_id, username, out):
        """Write the file out if USER may read it."""
        from app.domain.errors import BilingualError
        from app.services.evidence import attachments

        user = act_as(username)
        try:
            opened = attachments.open_for(attachment_id, user)
        except BilingualError as error:
            raise click.ClickException(both(error)) from error
        with open(out, "wb") as handle:
            for chunk in opened.chunks():
                handle.write(chunk)
        click.echo(out)

    @group.command("cleanup")
    @click.option("--dry-run", is_flag=True, help="Count the orphans, remove nothing.")
    @click.option("--json", "as_json", is_flag=True)
    def cleanup(dry_run, as_json):
        """Remove stored files whose record or attachment row is gone."""
        from app.services.evidence import attachments

        result = attachments.cleanup(dry_run=dry_run)
        if as_json:
            echo_json(result)
        else:
            click.echo(f"{result['orphans']} orphan files, {result['removed']} removed.")
