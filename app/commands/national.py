"""The national loop from the command line (SPEC §11, §12.5): ``national export``,
``national feedback`` and ``national points``, as the deployment's province."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from app.commands._common import act_as, both, echo_json, province_operator


def _refused(error) -> click.ClickException:
    lines = getattr(error, "lines", None) or []
    english = getattr(error, "lines_en", None) or []
    return click.ClickException("\n".join([error.message_zh, *lines, error.message_en,
                                           *english]))


def register(app: Flask) -> None:
    from app.domain.errors import BilingualError

    national = AppGroup("national", help="报送国家: batches, the Ministry's problems and points.")
    app.cli.add_command(national)

    def _activity(activity_id):
        from app.services.national.points import refuse_unknown_activity

        try:
            return refuse_unknown_activity(activity_id)
        except BilingualError as error:
            raise click.ClickException(both(error)) from None

    @national.command("export")
    @click.option("--activity", "activity_id", type=int, required=True)
    @click.option("--out", "out", type=click.Path(file_okay=False), required=True)
    @click.option("--channel", type=click.Choice(["file", "http"]), default=None,
                  help="file: the package only; http: also push each record (NATIONAL_PUSH_*).")
    @click.option("--user", "username", default=None)
    @click.option("--json", "as_json", is_flag=True)
    def national_export(activity_id, out, channel, username, as_json):
        """A 报送 batch package of the records left to report."""
        from app.services.national import batches, connector

        act_as(username) if username else province_operator()
        activity = _activity(activity_id)
        try:
            batch = batches.export(activity, Path(out),
                                   channel=channel or connector.default_channel())
        except BilingualError as error:
            raise _refused(error) from None
        # Without Redis a background thread would die with the command: push here.
        connector.schedule(batch, wait=True)
        files = batches.package_files(batch)[:-1]
        if as_json:
            echo_json({"batch": batch.id, "number": batch.number,
                       "supplementary": batch.supplementary, "records": batch.records,
                       "files": files})
            return
        click.echo(f"报送批次 #{batch.id}（第 {batch.number} 批）：{batch.records} 条记录，"
                   f"{len(files)} 个文件。\nReport batch #{batch.id} (no. {batch.number}): "
                   f"{batch.records} records, {len(files)} files.")

    @national.command("feedback")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--activity", "activity_id", type=int, required=True)
    @click.option("--user", "username", default=None)
    @click.option("--json", "as_json", is_flag=True)
    def national_feedback(path, activity_id, username, as_json):
        """Import the Ministry's problem list: named records go back as 国家退回."""
        from app.services.national import feedback

        act_as(username) if username else province_operator()
        activity = _activity(activity_id)
        try:
            result = feedback.import_feedback(activity, Path(path).read_bytes(),
                                              Path(path).name)
        except BilingualError as error:
            raise _refused(error) from None
        if as_json:
            echo_json(result)
            return
        click.echo(f"退回 {result['returned']} 家，已处理过 {result['already_applied']} 家，"
                   f"未知 {len(result['unknown'])} 家，未报送 {len(result['not_sent'])} 家。\n"
                   f"Returned {result['returned']}, already applied "
                   f"{result['already_applied']}, unknown {len(result['unknown'])}, "
                   f"not sent {len(result['not_sent'])}.")

    @national.command("points")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--activity", "activity_id", type=int, required=True)
    @click.option("--user", "username", default=None)
    @click.option("--json", "as_json", is_flag=True)
    def national_points(path, activity_id, username, as_json):
        """Import the Ministry's points: matched, unmatched and differing counts."""
        from app.services.national import points

        act_as(username) if username else province_operator()
        activity = _activity(activity_id)
        try:
            result = points.import_points(activity, Path(path).read_bytes(), Path(path).name)
        except BilingualError as error:
            raise _refused(error) from None
        if as_json:
            echo_json(result)
            return
        click.echo(f"匹配 {result['matched']} 家，未匹配 {len(result['unmatched'])} 家，"
                   f"与省级积分不同 {result['differing']} 家。\nMatched {result['matched']}, "
                   f"unmatched {len(result['unmatched'])}, differing {result['differing']}.")

    @national.command("retry-due")
    @click.option("--json", "as_json", is_flag=True)
    def national_retry_due(as_json):
        """Push again the outbox rows whose delivery stalled (a worker died)."""
        from app.services.national import connector

        count = connector.retry_due(inline=True)
        if as_json:
            echo_json({"requeued": count})
            return
        click.echo(f"重新推送 {count} 条记录。\nPushed {count} records again.")
