"""What the pool screens read besides their lists (SPEC §12.4): the data years an evaluation
may use, an evaluation's proposals counted within the user's area, its 数据不足 list within
that area, the pools as choices, and the reasons (stored in Chinese, as the domain writes
them) in the reader's language."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Integer, String, Text, func, select, text
from sqlalchemy.orm import defer
from sqlalchemy.sql.functions import Function

from app.domain.pools import CHANGES
from app.domain.records.fields import ENUM, MULTI_ENUM, REGISTRY
from app.extensions import db
from app.models import Enterprise, Pool, PoolEvaluation, PoolProposal, ReportingActivity, Submission
from app.models import profiles as M
from app.security.scope import ALL, REGION, UserScope, current_scope, restrict
from app.services.profiles import PROFILE_STATUSES

CHUNK = 1000  # ids per IN (…) list: well under SQLite's and PostgreSQL's bind limits


def chunks(values: Iterable, size: int = CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def profile_years() -> list[int]:
    """Data years with a record that counts in profiles, latest first."""
    return list(db.session.execute(
        select(ReportingActivity.data_year).join(
            Submission, Submission.activity_id == ReportingActivity.id)
        .where(Submission.status.in_(PROFILE_STATUSES)).distinct()
        .order_by(ReportingActivity.data_year.desc())).scalars())


def pools() -> list[Pool]:
    return list(db.session.execute(select(Pool).order_by(Pool.position, Pool.id)).scalars())


def pool_name(pool: Pool | None, lang: str) -> str:
    if pool is None:
        return ""
    return (pool.name_en or pool.name) if lang == "en" else pool.name


@dataclass
class Counts:
    """An evaluation's proposals within the user's area, by change and by status."""

    changes: dict[str, int]
    statuses: dict[str, int]
    insufficient: int = 0

    @property
    def total(self) -> int:
        return sum(self.statuses.values())


def evaluation_counts(evaluations: Iterable[PoolEvaluation],
                      scope: UserScope | None = None) -> dict[int, Counts]:
    scope = scope or current_scope()
    ids = [e.id for e in evaluations]
    found = {i: Counts({c: 0 for c in CHANGES},
                       {s: 0 for s in (M.PROPOSED, M.SET_ASIDE, M.CONFIRMED)}) for i in ids}
    if not found:
        return found
    rows = db.session.execute(restrict(
        select(PoolProposal.evaluation_id, PoolProposal.change, PoolProposal.status,
               func.count()).where(PoolProposal.evaluation_id.in_(ids))
        .group_by(PoolProposal.evaluation_id, PoolProposal.change, PoolProposal.status),
        PoolProposal, scope))
    for evaluation_id, change, status, n in rows:
        counts = found[evaluation_id]
        counts.changes[change] = counts.changes.get(change, 0) + n
        counts.statuses[status] = counts.statuses.get(status, 0) + n
    if _whole_province(scope):  # the list's length, counted in the database
        # Function, not func.…: sqlalchemy_utils registers a json_array_length of its own.
        length = Function("json_array_length", PoolEvaluation.insufficient, type_=Integer)
        for evaluation_id, n in db.session.execute(select(PoolEvaluation.id, length).where(
                PoolEvaluation.id.in_(ids))):
            found[evaluation_id].insufficient = n or 0
    else:
        for evaluation_id in ids:
            found[evaluation_id].insufficient = insufficient(evaluation_id, scope, limit=0)[0]
    return found


def _whole_province(scope: UserScope) -> bool:
    return scope.kind == ALL or (scope.kind == REGION and current_app.config[
        "PROVINCE_CODE"].startswith(scope.region_code or "-"))


def _listed(evaluation_id: int):
    """The evaluation's 数据不足 list as rows (n, uscc, reasons as JSON text), read by the
    database: the list may hold most of 100,000 enterprises, too long to load per page."""
    if db.session.get_bind().dialect.name == "postgresql":
        sql = ("SELECT item.n AS n, item.value ->> 'uscc' AS uscc, "
               "CAST(item.value -> 'reasons' AS TEXT) AS reasons FROM pool_evaluation, "
               "json_array_elements(pool_evaluation.insufficient) WITH ORDINALITY "
               "AS item(value, n) WHERE pool_evaluation.id = :evaluation")
    else:
        sql = ("SELECT CAST(item.key AS INTEGER) AS n, json_extract(item.value, '$.uscc') "
               "AS uscc, json_extract(item.value, '$.reasons') AS reasons "
               "FROM pool_evaluation, json_each(pool_evaluation.insufficient) AS item "
               "WHERE pool_evaluation.id = :evaluation")
    return text(sql).bindparams(evaluation=evaluation_id).columns(
        n=Integer, uscc=String, reasons=Text).subquery("listed")


def insufficient(evaluation_id: int, scope: UserScope | None = None,
                 limit: int | None = None) -> tuple[int, list[dict]]:
    """How many enterprises of the user's area a criterion lacked data for, and the first
    ``limit`` of them (all with None): [{uscc, name, region_code, reasons}] in the order
    the evaluation met them."""
    scope = scope or current_scope()
    listed = _listed(evaluation_id)
    joined = select(listed.c.n).join(Enterprise, Enterprise.uscc == listed.c.uscc)
    total = db.session.execute(select(func.count()).select_from(
        restrict(joined, Enterprise, scope).subquery())).scalar() or 0
    if limit == 0 or not total:
        return total, []
    query = restrict(select(listed.c.uscc, Enterprise.name, Enterprise.region_code,
                            listed.c.reasons)
                     .join(Enterprise, Enterprise.uscc == listed.c.uscc), Enterprise, scope)
    query = query.order_by(listed.c.n)
    if limit is not None:
        query = query.limit(limit)
    return total, [{"uscc": uscc, "name": name, "region_code": region,
                    "reasons": json.loads(reasons) if reasons else []}
                   for uscc, name, region, reasons in db.session.execute(query)]


def evaluation(pk) -> PoolEvaluation | None:
    """An evaluation without its 数据不足 list (read by ``insufficient``)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return db.session.get(PoolEvaluation, pk, options=[defer(PoolEvaluation.insufficient)])


def waiting(evaluation: PoolEvaluation) -> int:
    """Proposals the province's confirmation would confirm (all areas)."""
    return db.session.execute(select(func.count()).where(
        PoolProposal.evaluation_id == evaluation.id,
        PoolProposal.status == M.PROPOSED)).scalar() or 0


def latest_waiting() -> int | None:
    """The id of the evaluation still awaiting confirmation, if any."""
    return db.session.execute(select(PoolEvaluation.id).where(
        PoolEvaluation.status == M.EVALUATION_PROPOSED).order_by(
        PoolEvaluation.id.desc()).limit(1)).scalar()


def evaluation_choices() -> list[tuple[int, int, str]]:
    """(id, data year, status) of the latest hundred evaluations."""
    return [tuple(row) for row in db.session.execute(select(
        PoolEvaluation.id, PoolEvaluation.data_year, PoolEvaluation.status).order_by(
        PoolEvaluation.id.desc()).limit(100))]


# -- reasons in the reader's language -----------------------------------------------------
_SAID = (("数据不足", "lacks data"), ("不成立", "does not hold"), ("成立", "holds"))
_KIND = (("进入条件", "entry criterion"), ("退出条件", "exit criterion"))
NO_RECORD = ("该年度无通过审核的填报数据", "no approved record for the year")


def reason_text(text: str, lang: str, pools_by_name: dict[str, Pool] | None = None) -> str:
    """A reason as app.domain.pools writes it, 高新技术企业进入条件成立：<criterion>（<values>）,
    in English for an English reader: the pool's English name, the verdict in words and the
    option values of the figures read in English; the criterion stays as the province wrote
    it. A text of another shape is shown as it is."""
    if lang == "zh" or not text:
        return text
    head, colon, rest = text.partition("：")
    open_at = rest.rfind("（")
    if not colon or open_at < 0 or not rest.endswith("）"):
        return text
    said = next(((zh, en) for zh, en in _SAID if head.endswith(zh)), None)
    if said is None:
        return text
    head = head[:-len(said[0])]
    kind = next(((zh, en) for zh, en in _KIND if head.endswith(zh)), None)
    if kind is None:
        return text
    name = head[:-len(kind[0])]
    pool = (pools_by_name or {}).get(name)
    shown_name = pool.name_en if pool is not None and pool.name_en else name
    criterion, values = rest[:open_at], rest[open_at + 1:-1]
    return f"{shown_name}: {kind[1]} {said[1]}: {criterion} ({_values_text(values)})"


def _values_text(values: str) -> str:
    if values == NO_RECORD[0]:
        return NO_RECORD[1]
    parts = []
    for part in values.split("; "):
        key, equals, value = part.partition(" = ")
        spec = REGISTRY[key] if equals and key in REGISTRY else None
        if spec is not None and spec.type in (ENUM, MULTI_ENUM) and value != "—":
            value = ", ".join(str(spec.option_label(v, "en")) for v in value.split("、"))
        parts.append(f"{key}{equals}{value}")
    return "; ".join(parts)


def set_aside_text(text: str | None, lang: str) -> str:
    """A reason set aside by the confirmation itself is stored in both languages
    (超出该市名额 / over the city's cap); one the province typed is shown as typed."""
    if not text:
        return ""
    zh, separator, en = text.partition(" / ")
    if separator and zh and en:
        return en if lang == "en" else zh
    return text
