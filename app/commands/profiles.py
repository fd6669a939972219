"""企业画像 and 梯度培育 from the command line (SPEC §11, §12.4): ``profile show`` as a named
user, ``pools evaluate`` and ``pools confirm`` as the province."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.commands._common import act_as, both, echo_json, province_operator


def register(app: Flask) -> None:
    from app.domain.errors import BilingualError

    profile = AppGroup("profile", help="Enterprise profiles (企业画像).")
    app.cli.add_command(profile)

    @profile.command("show")
    @click.option("--uscc", required=True)
    @click.option("--user", "username", required=True)
    @click.option("--json", "as_json", is_flag=True)
    def profile_show(uscc, username, as_json):
        """The enterprise's profile as USER may see it."""
        from app.services.profiles import profile as profiles

        act_as(username)
        try:
            shown = profiles.show(uscc)
        except BilingualError as error:
            raise click.ClickException(both(error)) from None
        if as_json:
            echo_json(shown)
            return
        click.echo(f"{shown['uscc']}\t{shown['name']}")
        for year, values in shown["years"].items():
            click.echo(f"  {year}\trevenue={values.get('revenue')}\t"
                       f"rd_expense={values.get('rd_expense')}")
        for score in shown["scores"]:
            click.echo(f"  {score['project']}\t{score['data_year']}\t{score['total']}\t"
                       f"{score['grade'] or ''}")
        click.echo("  tags: " + ", ".join(shown["tags"]))
        for membership in shown["pools"]:
            click.echo(f"  {membership['pool']}\t{membership['since']}\t"
                       f"{membership['until'] or ''}")

    pools = AppGroup("pools", help="Cultivation pools (梯度培育库).")
    app.cli.add_command(pools)

    @pools.command("evaluate")
    @click.option("--year", type=int, default=None)
    @click.option("--user", "username", default=None)
    @click.option("--json", "as_json", is_flag=True)
    def pools_evaluate(year, username, as_json):
        """Propose pool entries, promotions and exits."""
        from sqlalchemy import select

        from app.extensions import db
        from app.models import PoolProposal
        from app.services.profiles import pools as service

        act_as(username) if username else province_operator()
        try:
            evaluation = service.evaluate(year)
        except BilingualError as error:
            raise click.ClickException(both(error)) from None
        proposals = [{"uscc": p.uscc, "pool": p.pool.name, "pool_key": p.pool.key,
                      "change": p.change, "reasons": p.reasons or []}
                     for p in db.session.execute(select(PoolProposal).where(
                         PoolProposal.evaluation_id == evaluation.id).order_by(
                         PoolProposal.id)).scalars()]
        insufficient = [item["uscc"] for item in evaluation.insufficient or []]
        if as_json:
            echo_json({"evaluation": evaluation.id, "data_year": evaluation.data_year,
                       "proposals": proposals, "insufficient": insufficient})
            return
        click.echo(f"评估 #{evaluation.id}（{evaluation.data_year} 年数据）："
                   f"{len(proposals)} 条建议，{len(insufficient)} 家数据不足。\n"
                   f"Evaluation #{evaluation.id} "
                   f"({evaluation.data_year} data): {len(proposals)} proposals, "
                   f"{len(insufficient)} enterprises with insufficient data.")

    @pools.command("confirm")
    @click.option("--evaluation", "evaluation_id", type=int, required=True)
    @click.option("--user", "username", default=None)
    @click.option("--json", "as_json", is_flag=True)
    def pools_confirm(evaluation_id, username, as_json):
        """Confirm an evaluation's proposals (all not set aside)."""
        from app.extensions import db
        from app.models import PoolEvaluation
        from app.services.profiles import pools as service

        act_as(username) if username else province_operator()
        evaluation = db.session.get(PoolEvaluation, evaluation_id)
        if evaluation is None:
            raise click.ClickException(f"没有编号为 {evaluation_id} 的评估。\n"
                                       f"No evaluation #{evaluation_id}.")
        try:
            confirmed = service.confirm(evaluation)
        except BilingualError as error:
            raise click.ClickException(both(error)) from None
        if as_json:
            echo_json({"confirmed": confirmed})
            return
        click.echo(f"已确认 {confirmed} 条。\nConfirmed {confirmed}.")
