"""What the review page shows of a record beyond its values: per dimension, the detail rows
an asked-for table holds right under the counts they derive (SPEC §12.1), each row with its
evidence files and its 存疑 control; the files of each field beside it (SPEC §12.2); what
still lacks a required file; and the rows changed since the record was returned."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from app.domain.records import details as D
from app.domain.records.fields import DIMENSIONS, REGISTRY, Field
from app.services.evidence import attachments
from app.services.review import doubts as doubts_service
from app.services.review import workflow as workflow_service
from app.views.evidence.shown import files_of


@dataclass
class DetailRow:
    number: int
    uid: str
    cells: list
    files: list
    lacking: bool
    doubt: dict | None  # marked 存疑 at the last return


@dataclass
class DetailBlock:
    table: D.DetailTable
    title: str
    columns: list[str]
    counts: str  # the counts it derives, named
    rows: list[DetailRow] = field(default_factory=list)
    lacking_files: bool = False  # its rows each need a file


@dataclass
class FieldLine:
    field: Field
    files: list
    lacking: bool


def _placed_tables(asked: list[str]) -> dict[str, str]:
    """The count field after which each asked-for table is shown: the last of its counts
    in the form's order."""
    order = {f.key: n for n, f in enumerate(REGISTRY)}
    after = {}
    for key in asked:
        counts = [c for c in D.TABLES[key].derives if c in order]
        if counts:
            after[key] = max(counts, key=order.__getitem__)
    return after


def _block(submission, key: str, lang: str, files: dict, lacking: set, doubted: dict
           ) -> DetailBlock:
    table = D.TABLES[key]
    counts = [REGISTRY[c].label(lang) for c in table.derives if c in REGISTRY]
    block = DetailBlock(table, table.sheet(lang), [c.label(lang) for c in table.columns],
                        ("、" if lang == "zh" else ", ").join(counts),
                        lacking_files=f"table:{key}" in
                        submission.activity.evidence_required())
    for number, row in enumerate((submission.details or {}).get(key) or [], 1):
        uid = str(row.get("uid") or "")
        block.rows.append(DetailRow(
            number, uid, [row.get(c.key) for c in table.columns],
            files.get(f"{key}:{uid}", []), f"{key}:{uid}" in lacking, doubted.get((key, uid))))
    return block


def context(submission, lang: str) -> dict:
    """The review page's record: ``sections``, ``lacking`` (what still lacks a required
    file) and ``row_changes`` (since the last return)."""
    lacking = attachments.missing(submission)
    return {"sections": sections(submission, lang, set(lacking)), "lacking": lacking,
            "row_changes": row_changes(submission, lang)}


def sections(submission, lang: str, lacking: set[str]) -> list[tuple[str, list]]:
    """(dimension title, lines) with lines a ``FieldLine`` per field and a ``DetailBlock``
    per asked-for table under the last count it derives."""
    asked = submission.activity.asked_tables()
    files = files_of(submission.id)
    doubted = doubts_service.of_last_return(submission)
    after = _placed_tables(asked)
    placed = set()
    shown = []
    for dimension, zh, en in DIMENSIONS:
        lines: list = []
        for f in REGISTRY.in_dimension(dimension):
            lines.append(FieldLine(f, files.get(f.key, []), f.key in lacking))
            for key in asked:
                if after.get(key) == f.key:
                    lines.append(_block(submission, key, lang, files, lacking, doubted))
                    placed.add(key)
        lines += [_block(submission, key, lang, files, lacking, doubted) for key in asked
                  if key not in placed and D.TABLES[key].dimension == dimension]
        placed.update(key for key in asked if D.TABLES[key].dimension == dimension)
        shown.append((zh if lang == "zh" else en, lines))
    return shown



def row_changes(submission, lang: str) -> list[dict]:
    """The rows added, changed and removed since the last return, for reading: the table,
    what happened, the row before and after, and for a changed row each changed cell."""
    labels = {"added": _("Row added"), "changed": _("Row changed"),
              "removed": _("Row removed")}
    shown = []
    for change in workflow_service.row_changes_since_return(submission):
        table = D.TABLES[change["table"]]
        before, after = change.get("before") or {}, change.get("after") or {}
        shown.append({
            "sheet": table.sheet(lang), "change": change["change"],
            "label": labels[change["change"]],
            "before": D.describe_row(table.key, before) if before else "",
            "after": D.describe_row(table.key, after) if after else "",
            "cells": [(c.label(lang), before.get(c.key), after.get(c.key))
                      for c in table.columns
                      if before and after and before.get(c.key) != after.get(c.key)]})
    return shown


def doubts_posted(form) -> list[dict]:
    """The rows the decision form marks 存疑: ``doubt`` = "table:uid" with its reason in
    ``doubt_reason:table:uid``."""
    posted = []
    for key in form.getlist("doubt"):
        table, _sep, uid = key.partition(":")
        posted.append({"table": table, "uid": uid,
                       "reason": form.get(f"doubt_reason:{key}", "")})
    return posted
