"""Evaluation projects as stored versions: a project file becomes the next version of its
code; runs use the latest published one."""

from __future__ import annotations

from flask import g
from sqlalchemy import func, select

from app.domain.scoring import files as project_files
from app.extensions import db
from app.models import EvaluationProject


def _username() -> str | None:
    return getattr(getattr(g, "user", None), "username", None)


def import_project(data: bytes | str, status: str = "published") -> EvaluationProject:
    """A project file becomes the next version of its code (checked first: nothing is
    saved from a file that is not a valid project)."""
    project = project_files.load(data)
    latest = db.session.execute(select(func.max(EvaluationProject.version)).where(
        EvaluationProject.code == project.code)).scalar() or 0
    row = EvaluationProject(code=project.code, version=latest + 1, name=project.name,
                            status=status, definition=dict(project.definition),
                            created_by=_username())
    db.session.add(row)
    db.session.commit()
    return row


def latest_published(code: str) -> EvaluationProject | None:
    return db.session.execute(select(EvaluationProject).where(
        EvaluationProject.code == code, EvaluationProject.status == "published")
        .order_by(EvaluationProject.version.desc()).limit(1)).scalar_one_or_none()
