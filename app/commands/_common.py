"""What every command shares: refusals in both languages, acting as a named user."""

from __future__ import annotations

import json

import click
from flask import current_app, g


def both(error) -> str:
    """A refusal in Chinese, then in English (the operator's language is not known)."""
    return f"{error.message_zh}\n{error.message_en}"


def act_as(username: str):
    """Act as that user, as the web UI would for them: scope, audit and records follow."""
    user = current_app.appbuilder.sm.find_user(username=username)
    if user is None or not user.is_active:
        raise click.ClickException(f"没有名为“{username}”的有效用户。\n"
                                   f"No active user named “{username}”.")
    g.user = user
    return user


def echo_json(value) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, default=str))


def province_operator():
    """For the province's own commands (公示 batches, pools, the national loop) run without
    --user: act as the deployment's province admin (the first active one)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import AppUser
    from app.security import roles

    for user in db.session.execute(select(AppUser).where(AppUser.active.is_(True))
                                   .order_by(AppUser.id)).scalars():
        if {r.name for r in user.roles} & {roles.PROVINCE_ADMIN, roles.ADMIN}:
            from flask import g

            g.user = user
            return user
    raise click.ClickException("没有可用的省级管理员账号。\nNo active province administrator.")
